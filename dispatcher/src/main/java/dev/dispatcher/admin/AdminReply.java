package dev.dispatcher.admin;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** A response: status, content type, body and any extra headers. */
public final class AdminReply {
    public static final String JSON = "application/json";
    public static final String YAML = "text/yaml; charset=utf-8";

    private final int status;
    private final String contentType;
    private final byte[] body;
    private final Map<String, String> headers;

    private AdminReply(int status, String contentType, byte[] body, Map<String, String> headers) {
        this.status = status;
        this.contentType = Objects.requireNonNull(contentType, "contentType");
        this.body = body;
        this.headers = headers;
    }

    /** {@code value} as JSON (records, lists, maps, strings, numbers). */
    public static AdminReply json(int status, Object value) {
        return new AdminReply(status, JSON, Json.write(value), Map.of());
    }

    /** Text of any type, e.g. {@code text(200, "text/plain; version=0.0.4; charset=utf-8", exposition)}. */
    public static AdminReply text(int status, String contentType, String text) {
        return new AdminReply(status, contentType, text.getBytes(StandardCharsets.UTF_8), Map.of());
    }

    /** The body {@code {"error": message}}. */
    public static AdminReply error(int status, String message) {
        return json(status, Map.of("error", message));
    }

    /** A copy with one more response header. */
    public AdminReply withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new AdminReply(status, contentType, body, Map.copyOf(more));
    }

    public int status() {
        return status;
    }

    public String contentType() {
        return contentType;
    }

    byte[] body() {
        return body;
    }

    Map<String, String> headers() {
        return headers;
    }
}
