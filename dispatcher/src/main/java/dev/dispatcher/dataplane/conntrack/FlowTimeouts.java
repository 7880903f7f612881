package dev.dispatcher.dataplane.conntrack;

/**
 * Idle timeouts per flow state, in nanoseconds. The dispatcher sees only the client's half of a
 * TCP connection (replies go straight from the real server to the client), so the states are the
 * ones the client's segments reveal: SYN only, established, closing after a FIN, reset, and
 * unconfirmed (created by a segment without SYN, no second segment yet).
 */
public record FlowTimeouts(long tcpSynNanos, long tcpEstablishedNanos, long tcpClosingNanos,
                           long tcpResetNanos, long udpNanos, long tcpUnconfirmedNanos) {
    /** The default for {@link FlowState#TCP_UNCONFIRMED}: long enough for a client's next segment. */
    public static final long DEFAULT_UNCONFIRMED_NANOS = 10_000_000_000L;

    /** The documented defaults, the same as the Linux IPVS ones where they have a counterpart. */
    public static final FlowTimeouts DEFAULTS = new FlowTimeouts(
            60_000_000_000L, 900_000_000_000L, 120_000_000_000L, 10_000_000_000L, 300_000_000_000L);

    public FlowTimeouts {
        if (tcpSynNanos <= 0 || tcpEstablishedNanos <= 0 || tcpClosingNanos <= 0
                || tcpResetNanos <= 0 || udpNanos <= 0 || tcpUnconfirmedNanos <= 0) {
            throw new IllegalArgumentException("flow timeouts must be positive");
        }
    }

    /** With the default unconfirmed timeout. */
    public FlowTimeouts(long tcpSynNanos, long tcpEstablishedNanos, long tcpClosingNanos, long tcpResetNanos,
                        long udpNanos) {
        this(tcpSynNanos, tcpEstablishedNanos, tcpClosingNanos, tcpResetNanos, udpNanos, DEFAULT_UNCONFIRMED_NANOS);
    }

    long forState(int state) {
        return switch (state) {
            case FlowState.TCP_SYN -> tcpSynNanos;
            case FlowState.TCP_ESTABLISHED -> tcpEstablishedNanos;
            case FlowState.TCP_CLOSING -> tcpClosingNanos;
            case FlowState.TCP_RESET -> tcpResetNanos;
            case FlowState.TCP_UNCONFIRMED -> tcpUnconfirmedNanos;
            default -> udpNanos;
        };
    }
}
