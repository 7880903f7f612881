package dev.dispatcher.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Connection tracking: how many flows are remembered and how long each state lives without
 * traffic. Only the client's half of a TCP connection passes the dispatcher (replies go straight
 * to the client), so the states are those the client's segments reveal.
 *
 * @param capacity              flows held at once; beyond it new flows evict the nearest to expiry
 * @param tcpSynTimeout         SYN seen, nothing else yet
 * @param tcpEstablishedTimeout idle time of an established TCP flow
 * @param tcpClosingTimeout     after the client's FIN
 * @param tcpResetTimeout       after a RST
 * @param udpTimeout            idle time of a UDP flow
 * @param restore               whether a start restores the flows the last stop saved
 * @param tcpUnconfirmedTimeout a TCP flow created by a segment without SYN, until its next segment
 * @param maxNewFlowsPerSecond  new flows a second each worker inserts, 0 for no limit; those above
 *                              it are forwarded by the port's Maglev table without an entry
 */
public record FlowTableConfig(int capacity, Duration tcpSynTimeout, Duration tcpEstablishedTimeout,
        Duration tcpClosingTimeout, Duration tcpResetTimeout, Duration udpTimeout, boolean restore,
        Duration tcpUnconfirmedTimeout, int maxNewFlowsPerSecond) {
    public static final int MIN_CAPACITY = 1024;
    /** 64 Mi flows. The table allocates its slots up front, so this caps what a typo can ask for. */
    public static final int MAX_CAPACITY = 1 << 26;
    /**
     * Timeouts below a second would expire flows between a client's retransmissions; above a week
     * a flow is a leak (Linux conntrack's longest default, established TCP, is 5 days).
     */
    public static final Duration MIN_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration MAX_TIMEOUT = Duration.ofDays(7);
    public static final Duration DEFAULT_UNCONFIRMED_TIMEOUT = Duration.ofSeconds(10);
    /** Far above what one worker can take (a few million frames a second): only typos are refused. */
    public static final int MAX_NEW_FLOWS_PER_SECOND = 100_000_000;

    /** The Linux IPVS defaults where IPVS has a counterpart. */
    public static final FlowTableConfig DEFAULTS = new FlowTableConfig(1 << 20, Duration.ofSeconds(60),
            Duration.ofMinutes(15), Duration.ofMinutes(2), Duration.ofSeconds(10), Duration.ofMinutes(5), true,
            DEFAULT_UNCONFIRMED_TIMEOUT, 0);

    public FlowTableConfig {
        Objects.requireNonNull(tcpSynTimeout, "tcpSynTimeout");
        Objects.requireNonNull(tcpEstablishedTimeout, "tcpEstablishedTimeout");
        Objects.requireNonNull(tcpClosingTimeout, "tcpClosingTimeout");
        Objects.requireNonNull(tcpResetTimeout, "tcpResetTimeout");
        Objects.requireNonNull(udpTimeout, "udpTimeout");
        Objects.requireNonNull(tcpUnconfirmedTimeout, "tcpUnconfirmedTimeout");
        if (maxNewFlowsPerSecond < 0) {
            throw new IllegalArgumentException("maxNewFlowsPerSecond must not be negative");
        }
    }

    /** With the default unconfirmed timeout and no new-flow limit. */
    public FlowTableConfig(int capacity, Duration tcpSynTimeout, Duration tcpEstablishedTimeout,
            Duration tcpClosingTimeout, Duration tcpResetTimeout, Duration udpTimeout, boolean restore) {
        this(capacity, tcpSynTimeout, tcpEstablishedTimeout, tcpClosingTimeout, tcpResetTimeout, udpTimeout, restore,
                DEFAULT_UNCONFIRMED_TIMEOUT, 0);
    }

    /** With restoring on, the default. */
    public FlowTableConfig(int capacity, Duration tcpSynTimeout, Duration tcpEstablishedTimeout,
            Duration tcpClosingTimeout, Duration tcpResetTimeout, Duration udpTimeout) {
        this(capacity, tcpSynTimeout, tcpEstablishedTimeout, tcpClosingTimeout, tcpResetTimeout, udpTimeout, true);
    }

    /** The longest of the timeouts: a saved flow older than this is gone whatever its state was. */
    public Duration longestTimeout() {
        Duration longest = tcpSynTimeout;
        for (Duration d : new Duration[] {tcpEstablishedTimeout, tcpClosingTimeout, tcpResetTimeout, udpTimeout,
            tcpUnconfirmedTimeout}) {
            if (d.compareTo(longest) > 0) {
                longest = d;
            }
        }
        return longest;
    }
}
