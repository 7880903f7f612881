package dev.dispatcher.admin;

import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answers Jetty gives itself, before a request reaches the API (a malformed request line,
 * headers over the limit, an ambiguous path), in the API's form: {@code {"error": "one line"}}
 * instead of an HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {
    private final AdminLimits limits;

    JsonErrorHandler(AdminLimits limits) {
        this.limits = limits;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        Object reason = request.getAttribute(ERROR_MESSAGE);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, AdminReply.JSON);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap(Json.write(Map.of("error",
                message(status, reason == null ? null : reason.toString())))), callback);
        return true;
    }

    private String message(int status, String reason) {
        return switch (status) {
            case 431 -> "request headers larger than " + limits.maxHeaderBytes() + " bytes";
            case 414 -> "request line longer than " + limits.maxHeaderBytes() + " bytes";
            case 413 -> "request body larger than " + limits.maxBodyBytes() + " bytes";
            default -> "HTTP " + status + (reason == null || reason.isBlank() ? "" : ": " + Json.firstLine(reason));
        };
    }
}
