package dev.dispatcher.realserver.kernel;

/**
 * A failure the operator must see as one line on stderr: bad input, a missing tool, missing
 * privileges, or a kernel that refused a change. The message is that line, without a prefix.
 */
public final class SetupException extends RuntimeException {
    public SetupException(String message) {
        super(oneLine(message));
    }

    public SetupException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    private static String oneLine(String message) {
        return message.replaceAll("\\s*\\R\\s*", "; ").strip();
    }
}
