package dev.dispatcher.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The admin HTTP API (status, live changes, metrics).
 *
 * @param host      listen address, an IPv4 literal or {@code localhost}; loopback by default, so nothing
 *                  is exposed without a decision
 * @param port      listen port
 * @param tokenFile file holding the bearer token every change must present (mode 0600); read-only
 *                  endpoints need none
 */
public record AdminConfig(String host, int port, Path tokenFile) {
    public static final AdminConfig DEFAULTS = new AdminConfig("127.0.0.1", 9100,
            Path.of("/etc/dispatcher/admin.token"));

    public AdminConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(tokenFile, "tokenFile");
    }
}
