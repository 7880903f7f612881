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

    /** HAProxy's defaults (inter 2s, rise 2, fall 3): a dead server is out after 6 to 8 s. */
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_RISE = 2;
    public static final int DEFAULT_FALL = 3;
    public static final String DEFAULT_METHOD = "GET";
    public static final String DEFAULT_PATH = "/";
    public static final List<Integer> DEFAULT_EXPECT_STATUS = List.of(200);

    /** The methods a probe may use: GET and HEAD read, OPTIONS asks, POST for endpoints that insist on it. */
    public static final List<String> METHODS = List.of("GET", "HEAD", "POST", "OPTIONS");
    /** The status classes of RFC 9110 section 15: 1xx to 5xx. */
    public static final int MIN_STATUS = 100;
    public static final int MAX_STATUS = 599;
    /**
     * Faster than 10 probes a second per server is load, not a check; slower than an hour leaves a
     * dead server in rotation for too long to call it health checking.
     */
    public static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    public static final Duration MAX_INTERVAL = Duration.ofHours(1);
    /**
     * A connect on the server LAN takes well under a millisecond; 10 ms keeps one scheduling hiccup
     * from failing a probe. A connect not done in a minute will not be done ({@code timeout} sets
     * this too, so it has this range).
     */
    public static final Duration MIN_CONNECT_TIMEOUT = Duration.ofMillis(10);
    public static final Duration MAX_CONNECT_TIMEOUT = Duration.ofMinutes(1);
    /** An answer (or a script's run) may be a deep check; ten minutes caps a stuck one. */
    public static final Duration MIN_RECEIVE_TIMEOUT = Duration.ofMillis(10);
    public static final Duration MAX_RECEIVE_TIMEOUT = Duration.ofMinutes(10);
    /** One reacts to a single probe; beyond 100 a change of state takes too long to matter. */
    public static final int MIN_RISE = 1;
    public static final int MAX_RISE = 100;
    public static final int MIN_FALL = 1;
    public static final int MAX_FALL = 100;

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
        return new AdvisorConfig(type, 0, DEFAULT_METHOD, "", DEFAULT_PATH, DEFAULT_EXPECT_STATUS, "", List.of(),
                DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_RISE, DEFAULT_FALL);
    }

    /** The longest one probe can take: what bounds detection to interval x fall + this. */
    public Duration probeBound() {
        return connectTimeout.plus(receiveTimeout);
    }
}
