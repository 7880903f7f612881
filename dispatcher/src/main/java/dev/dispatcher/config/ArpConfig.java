package dev.dispatcher.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Address resolution for real servers (neighbour cache) and announcement of the VIPs.
 *
 * @param requestInterval    retry interval while a server's MAC is unknown
 * @param refreshInterval    how often a resolved server is asked again
 * @param expireAfter        a MAC not confirmed for this long is forgotten; always longer than
 *                           {@code refreshInterval}, so a live server is re-confirmed first
 * @param gratuitousCount    gratuitous ARPs sent per VIP at start, so switches and clients learn
 *                           the dispatcher's MAC for it; 0 sends none
 * @param gratuitousInterval spacing of those gratuitous ARPs
 */
public record ArpConfig(Duration requestInterval, Duration refreshInterval, Duration expireAfter,
        int gratuitousCount, Duration gratuitousInterval) {
    /** Faster than 10 requests a second per server is a flood, slower than a minute a long outage. */
    public static final Duration MIN_REQUEST_INTERVAL = Duration.ofMillis(100);
    public static final Duration MAX_REQUEST_INTERVAL = Duration.ofMinutes(1);
    public static final Duration MIN_REFRESH_INTERVAL = Duration.ofSeconds(1);
    public static final Duration MAX_REFRESH_INTERVAL = Duration.ofHours(1);
    public static final Duration MIN_EXPIRE_AFTER = Duration.ofSeconds(1);
    public static final Duration MAX_EXPIRE_AFTER = Duration.ofHours(24);
    public static final int MIN_GRATUITOUS_COUNT = 0;
    public static final int MAX_GRATUITOUS_COUNT = 10;
    public static final Duration MIN_GRATUITOUS_INTERVAL = Duration.ofMillis(10);
    public static final Duration MAX_GRATUITOUS_INTERVAL = Duration.ofMinutes(1);

    public static final ArpConfig DEFAULTS = new ArpConfig(Duration.ofSeconds(1), Duration.ofSeconds(30),
            Duration.ofMinutes(2), 3, Duration.ofSeconds(1));

    public ArpConfig {
        Objects.requireNonNull(requestInterval, "requestInterval");
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        Objects.requireNonNull(expireAfter, "expireAfter");
        Objects.requireNonNull(gratuitousInterval, "gratuitousInterval");
    }
}
