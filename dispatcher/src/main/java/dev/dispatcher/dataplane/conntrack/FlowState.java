package dev.dispatcher.dataplane.conntrack;

import dev.dispatcher.packet.TcpSegment;

/**
 * Flow states as small ints, and the transitions the client's TCP flags cause. The codes are
 * stored in snapshots and sent to an HA partner, so a code never changes meaning; new states get
 * new codes.
 */
public final class FlowState {
    public static final int UDP = 0;
    public static final int TCP_SYN = 1;
    public static final int TCP_ESTABLISHED = 2;
    public static final int TCP_CLOSING = 3;
    public static final int TCP_RESET = 4;
    /**
     * Created by a TCP segment without SYN that no entry knew: a connection that started before a
     * restart or on another dispatcher, or a spoofed ACK. It lives briefly and becomes established
     * on its next segment, so an ACK flood from random sources cannot hold the table for long.
     */
    public static final int TCP_UNCONFIRMED = 5;
    /** The highest state code. */
    public static final int MAX = TCP_UNCONFIRMED;

    private FlowState() {
    }

    /**
     * The state of a new TCP flow whose first seen segment carried {@code flags}: a bare SYN opens
     * it, RST and FIN close it, anything else (ACK, SYN-ACK: what a client sends only once
     * connected) leaves it unconfirmed.
     */
    public static int initialTcp(int flags) {
        if ((flags & (TcpSegment.RST | TcpSegment.FIN)) == 0
                && (flags & (TcpSegment.SYN | TcpSegment.ACK)) != TcpSegment.SYN) {
            return TCP_UNCONFIRMED;
        }
        return next(TCP_SYN, flags, true);
    }

    /** The state after a segment with {@code flags}; RST wins, then FIN; a bare SYN keeps SYN. */
    public static int next(int state, int flags, boolean firstSegment) {
        if ((flags & TcpSegment.RST) != 0) {
            return TCP_RESET;
        }
        if ((flags & TcpSegment.FIN) != 0) {
            return TCP_CLOSING;
        }
        if (state == TCP_CLOSING || state == TCP_RESET) {
            return state;
        }
        if ((flags & TcpSegment.SYN) != 0 && (flags & TcpSegment.ACK) == 0) {
            return firstSegment ? TCP_SYN : state;
        }
        return TCP_ESTABLISHED;
    }

    /** Whether {@code state} is a code a TCP flow can have. */
    public static boolean isTcp(int state) {
        return state >= TCP_SYN && state <= MAX;
    }

    public static String name(int state) {
        return switch (state) {
            case UDP -> "udp";
            case TCP_SYN -> "syn";
            case TCP_ESTABLISHED -> "established";
            case TCP_CLOSING -> "closing";
            case TCP_RESET -> "reset";
            case TCP_UNCONFIRMED -> "unconfirmed";
            default -> "unknown";
        };
    }
}
