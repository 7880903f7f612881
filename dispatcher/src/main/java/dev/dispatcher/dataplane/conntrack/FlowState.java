package dev.dispatcher.dataplane.conntrack;

import dev.dispatcher.packet.TcpSegment;

/** Flow states as small ints, and the transitions the client's TCP flags cause. */
public final class FlowState {
    public static final int UDP = 0;
    public static final int TCP_SYN = 1;
    public static final int TCP_ESTABLISHED = 2;
    public static final int TCP_CLOSING = 3;
    public static final int TCP_RESET = 4;

    private FlowState() {
    }

    /** The state of a new TCP flow whose first seen segment carried {@code flags}. */
    public static int initialTcp(int flags) {
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

    public static String name(int state) {
        return switch (state) {
            case UDP -> "udp";
            case TCP_SYN -> "syn";
            case TCP_ESTABLISHED -> "established";
            case TCP_CLOSING -> "closing";
            case TCP_RESET -> "reset";
            default -> "unknown";
        };
    }
}
