package dev.dispatcher.admin;

/** A request the server refuses before reaching the operations: its status and one-line reason. */
final class HttpProblem extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient AdminReply reply;

    HttpProblem(int status, String message) {
        this(AdminReply.error(status, message), message);
    }

    private HttpProblem(AdminReply reply, String message) {
        super(message, null, false, false);
        this.reply = reply;
    }

    static HttpProblem badRequest(String message) {
        return new HttpProblem(400, message);
    }

    HttpProblem withHeader(String name, String value) {
        return new HttpProblem(reply.withHeader(name, value), getMessage());
    }

    AdminReply reply() {
        return reply;
    }
}
