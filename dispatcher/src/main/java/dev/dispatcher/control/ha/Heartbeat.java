package dev.dispatcher.control.ha;

import dev.dispatcher.config.HaRole;

/**
 * What one node tells its partner every heartbeat interval: who it is ({@code nodeId}, 1..255,
 * and its configured {@code role}), what it is doing ({@code state}), a {@code sequence} number
 * that only grows, across restarts too (see {@link HeartbeatCodec#firstSequence}), how many of its
 * reach targets answered ({@code reached}), how far its flow table has caught up with the
 * partner's flow stream ({@code syncPosition}), which cluster groups it serves ({@code owned},
 * one bit per group, see {@link HaGroups}), which it asks the partner to give up because an
 * operator said so ({@code takeover}), and the MAC it answers ARP with ({@code mac}, 0 when not
 * known), so the partner can tell its ARP on the segment from anybody else's.
 */
public record Heartbeat(int nodeId, HaRole role, State state, long sequence, int reached, long syncPosition,
                        int owned, int takeover, long mac) {
    /** Groups are bits 0 and 1. */
    static final int GROUP_BITS = 0b11;

    /** What a node is doing now. */
    public enum State {
        /** Starting: has not yet heard its partner or waited out the dead interval. */
        INIT,
        /** Forwards nothing for the VIPs it does not own, answers no ARP for them, keeps its table warm. */
        STANDBY,
        /** Answers ARP for its VIPs and forwards. */
        ACTIVE,
        /** Stopping on purpose: the partner need not wait dead-after to take over. */
        STOPPING;

        static State ofCode(int code) {
            return code >= 0 && code < values().length ? values()[code] : null;
        }
    }

    public Heartbeat {
        if (nodeId < 1 || nodeId > 255) {
            throw new IllegalArgumentException("node id " + nodeId + " is not in 1..255");
        }
        if (reached < 0 || reached > 255) {
            throw new IllegalArgumentException("reached " + reached + " is not in 0..255");
        }
        if (sequence < 0 || syncPosition < 0) {
            throw new IllegalArgumentException("sequence and sync position are not negative");
        }
        if ((owned & ~GROUP_BITS) != 0 || (takeover & ~GROUP_BITS) != 0) {
            throw new IllegalArgumentException("owned and takeover are bits of groups 0 and 1");
        }
        if ((mac >>> 48) != 0) {
            throw new IllegalArgumentException("a MAC is 48 bits");
        }
    }

    /** Owning nothing, asking nothing, MAC not known. */
    public Heartbeat(int nodeId, HaRole role, State state, long sequence, int reached, long syncPosition) {
        this(nodeId, role, state, sequence, reached, syncPosition, 0, 0, 0);
    }

    public boolean owns(int group) {
        return (owned & (1 << group)) != 0;
    }

    public boolean asksTakeover(int group) {
        return (takeover & (1 << group)) != 0;
    }
}
