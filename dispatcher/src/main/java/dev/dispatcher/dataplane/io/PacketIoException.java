package dev.dispatcher.dataplane.io;

/** A backend could not be opened; the message is one line that names what is missing. */
public final class PacketIoException extends Exception {
    private static final long serialVersionUID = 1L;

    public PacketIoException(String message, Throwable cause) {
        super(message, cause);
    }
}
