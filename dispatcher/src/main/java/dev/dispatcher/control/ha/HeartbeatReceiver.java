package dev.dispatcher.control.ha;

import java.util.EnumMap;
import java.util.Map;

/**
 * The receiving end of the partner's heartbeats: decodes and authenticates each datagram
 * ({@link HeartbeatCodec}), then believes it only when it comes from the configured partner
 * (never from this node's own id: a reflected message is not a partner) with a sequence number the
 * {@link ReplayWindow} has not seen. Every refusal is counted by its reason and changes nothing:
 * not the window, not the last heartbeat. One thread (the HA thread) owns it.
 */
public final class HeartbeatReceiver {
    private final HeartbeatCodec codec;
    private final int ownNodeId;
    /** 0 until the first authentic heartbeat fixes it, when the configuration names none. */
    private int partnerNodeId;
    private final ReplayWindow window = new ReplayWindow();
    private final Map<HeartbeatCodec.Rejection, Long> rejected = new EnumMap<>(HeartbeatCodec.Rejection.class);
    private long accepted;
    private Heartbeat last;

    /**
     * @param partnerNodeId the partner's id, or {@code HaConfig.ANY_PEER_NODE} (0): then the first
     *                      authentic heartbeat from the partner's address fixes it
     */
    public HeartbeatReceiver(HeartbeatCodec codec, int ownNodeId, int partnerNodeId) {
        if (ownNodeId == partnerNodeId) {
            throw new IllegalArgumentException("node id " + ownNodeId + " is both this node's and its partner's");
        }
        this.codec = codec;
        this.ownNodeId = ownNodeId;
        this.partnerNodeId = partnerNodeId;
    }

    /** A datagram from the partner's address: the heartbeat when it is believed, else null (and counted). */
    public Heartbeat receive(byte[] datagram, int length) {
        return receive(datagram, length, true);
    }

    /**
     * The heartbeat in {@code datagram[0..length)} when it is believed, else null (and counted).
     * An authentic message from another address than the partner's is an unknown node: the key
     * was given to a third machine, or the message was relayed.
     */
    public Heartbeat receive(byte[] datagram, int length, boolean fromPartnerAddress) {
        HeartbeatCodec.Decoded d = codec.decode(datagram, length);
        if (!d.accepted()) {
            return refuse(d.rejection());
        }
        Heartbeat h = d.heartbeat();
        // Our own heartbeat reflected back carries our id, which is never the partner's.
        if (!fromPartnerAddress || h.nodeId() == ownNodeId
                || (partnerNodeId != 0 && h.nodeId() != partnerNodeId)) {
            return refuse(HeartbeatCodec.Rejection.UNKNOWN_NODE);
        }
        if (!window.accept(h.sequence())) {
            return refuse(HeartbeatCodec.Rejection.REPLAYED);
        }
        partnerNodeId = h.nodeId();
        accepted++;
        last = h;
        return h;
    }

    /** The partner's node id, or 0 while it is not known yet. */
    public int partnerNodeId() {
        return partnerNodeId;
    }

    private Heartbeat refuse(HeartbeatCodec.Rejection why) {
        rejected.merge(why, 1L, Long::sum);
        return null;
    }

    /** Heartbeats refused for {@code why} so far. */
    public long rejected(HeartbeatCodec.Rejection why) {
        return rejected.getOrDefault(why, 0L);
    }

    public long accepted() {
        return accepted;
    }

    /** The last heartbeat believed, or null. */
    public Heartbeat last() {
        return last;
    }
}
