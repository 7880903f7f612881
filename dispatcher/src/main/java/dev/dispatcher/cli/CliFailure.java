package dev.dispatcher.cli;

/** A command could not do its job; the message is printed as one line and the exit code is 1. */
final class CliFailure extends Exception {
    private static final long serialVersionUID = 1L;

    CliFailure(String message) {
        super(message);
    }
}
