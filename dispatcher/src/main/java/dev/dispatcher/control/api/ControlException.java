package dev.dispatcher.control.api;

/** An operation was refused; the message says why in one line (unknown server, bad weight...). */
public final class ControlException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What kind of refusal: the admin API maps it to an HTTP status. */
    public enum Kind { NOT_FOUND, INVALID, CONFLICT }

    private final Kind kind;

    public ControlException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
