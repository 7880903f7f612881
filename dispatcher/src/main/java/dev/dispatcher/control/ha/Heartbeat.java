package dev.dispatcher.control.ha;

/**
 * What one node tells its partner every heartbeat interval: who it is ({@code nodeId}, 1..255,
 * and its configured {@code role}), what it is doing ({@code state}), a {@code sequence} number
 * that only grows, across restarts too (see {@link HeartbeatCodec#firstSequence}), how many of its
 * reach targets answered ({@code reached}) and how far its flow table has caught up with the
 * partner's flow stream ({@code syncPosition}).
 */
public record Heartbeat(int nodeId, Role role, State state, long sequence, int reached, long syncPosition) {
    /** The role a node is configured with ({@code ha.role}). */
    public enum Role {
        PRIMARY, BACKUP, BOTH, EXTERNAL;

        static Role ofCode(int code) {
            return code >= 0 && code < values().length ? values()[code] : null;
        }
    }

    /** What a node is doing now. */
    public enum State {
        /** Starting: has not yet heard its partner or waited out the dead interval. */
        INIT,
        /** Forwards nothing for the VIPs it does not own, answers no ARP for them, keeps its table warm. */
        STANDBY,
        /** Answers ARP for its VIPs and forwards. */
        ACTIVE;

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
    }
}
