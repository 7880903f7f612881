package dev.dispatcher.admin;

/**
 * A request to the admin API that did not succeed: the dispatcher could not be reached, or it
 * refused. The message is one line meant for an operator.
 */
public final class AdminClientException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;

    AdminClientException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status of the refusal, or 0 when no answer came. */
    public int status() {
        return status;
    }
}
