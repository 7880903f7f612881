package dev.dispatcher.dataplane.arp;

/**
 * When the ARP agent speaks on its own. {@code active=false} (offline replay) means it only answers
 * and learns, never sends requests or gratuitous ARP.
 */
public record ArpTimings(long requestIntervalNanos, long refreshIntervalNanos, long expireAfterNanos,
                         int gratuitousCount, long gratuitousIntervalNanos, boolean active) {
    public static final ArpTimings DEFAULTS = new ArpTimings(
            1_000_000_000L, 30_000_000_000L, 120_000_000_000L, 3, 1_000_000_000L, true);

    public ArpTimings passive() {
        return new ArpTimings(requestIntervalNanos, refreshIntervalNanos, expireAfterNanos,
                gratuitousCount, gratuitousIntervalNanos, false);
    }
}
