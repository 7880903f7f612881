package dev.dispatcher.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A health advisor of one port: how each of its real servers is probed, on the server's own
 * address (never through the VIP).
 *
 * @param type           tcp, http, https or script
 * @param port           probe port; 0 means the service port
 * @param method         HTTP method (http/https)
 * @param host           HTTP Host header; empty means the server's address
 * @param path           HTTP request path
 * @param expectStatus   HTTP status codes that mean up
 * @param bodyContains   a substring the HTTP body must contain; empty means no body check
 * @param command        script: the command and its arguments (the server's address, port and the
 *                       VIP are passed as environment variables SERVER_ADDRESS, SERVER_PORT, VIP)
 * @param interval       time between the starts of two probes of one server
 * @param connectTimeout bound on connecting (tcp, http, https)
 * @param receiveTimeout bound on the answer after connecting; for script, the bound on the run
 * @param rise           consecutive successes that bring a down server up
 * @param fall           consecutive failures that take an up server down
 */
public record AdvisorConfig(AdvisorType type, int port, String method, String host, String path,
        List<Integer> expectStatus, String bodyContains, List<String> command, Duration interval,
        Duration connectTimeout, Duration receiveTimeout, int rise, int fall) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_RISE = 2;
    public static final int DEFAULT_FALL = 3;

    public AdvisorConfig {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(path, "path");
        expectStatus = List.copyOf(expectStatus);
        Objects.requireNonNull(bodyContains, "bodyContains");
        command = List.copyOf(command);
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(receiveTimeout, "receiveTimeout");
    }

    /** Defaults for {@code type}: probe port = service port, GET / expecting 200. */
    public static AdvisorConfig defaults(AdvisorType type) {
        return new AdvisorConfig(type, 0, "GET", "", "/", List.of(200), "", List.of(), DEFAULT_INTERVAL,
                DEFAULT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_RISE, DEFAULT_FALL);
    }

    /** The longest one probe can take: what bounds detection to interval x fall + this. */
    public Duration probeBound() {
        return connectTimeout.plus(receiveTimeout);
    }
}
