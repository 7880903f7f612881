package dev.dispatcher.config;

/** How an advisor probes a real server. */
public enum AdvisorType {
    /** A TCP connect to the server's own address and the probe port. */
    TCP,
    /** An HTTP request; the status (and optionally the body) decides. */
    HTTP,
    /** As {@link #HTTP}, over TLS (certificates are not verified: the server is probed by address). */
    HTTPS,
    /** A command; exit status 0 means up. */
    SCRIPT;

    public String configName() {
        return ConfigNames.of(this);
    }
}
