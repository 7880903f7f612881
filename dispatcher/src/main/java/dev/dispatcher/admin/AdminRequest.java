package dev.dispatcher.admin;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One request as an extra GET handler sees it.
 *
 * @param path    the decoded path, e.g. {@code /metrics}
 * @param query   the decoded query parameters (each given at most once)
 * @param headers the request headers; {@link #header} looks them up ignoring case
 * @param remote  the client's address and port, for logs
 */
public record AdminRequest(String path, Map<String, String> query, Map<String, List<String>> headers, String remote) {
    public AdminRequest {
        query = Map.copyOf(query);
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
        headers = java.util.Collections.unmodifiableMap(copy);
    }

    /** The first value of a header, or null; the name is matched ignoring case. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }
}
