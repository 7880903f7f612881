package dev.dispatcher.control.ha;

import dev.dispatcher.config.HaRole;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * The heartbeat on the wire: a fixed 68-byte UDP payload, big-endian, signed with HMAC-SHA256 over
 * everything before the tag, with the pair's shared key.
 *
 * <pre>
 *   0  magic "DHA" (3 bytes)      3  version (1)          4  type (1 = heartbeat)
 *   5  node id (1..255)           6  role (0 primary, 1 backup, 2 both, 3 external)
 *   7  state (0 init, 1 standby, 2 active)                8  reach targets reached (0..255)
 *   9  groups owned (bits 0, 1)  10  groups asked over (bits 0, 1)                11  reserved, 0
 *  12  sequence (8)              20  sync position (8)   28  MAC of the sender's interface (6)
 *  34  reserved, 0 (2)           36  HMAC-SHA256 of bytes 0..35 (32)
 * </pre>
 *
 * <p>{@link #decode} checks, in order, the length, the magic and version, the tag (in constant
 * time), then the fields, and names the first check that failed; nothing from a message whose tag
 * does not verify is believed, not even its node id. Whether the sender is the partner and whether
 * the sequence is new are the receiver's questions ({@link HeartbeatReceiver}). One codec per
 * thread: {@link Mac} is not thread-safe.
 */
public final class HeartbeatCodec {
    public static final int LENGTH = 68;
    static final int TAG_OFFSET = 36;
    static final int TYPE_HEARTBEAT = 1;
    private static final byte[] MAGIC = {'D', 'H', 'A'};
    private static final int VERSION = 1;

    /** Why {@link #decode} refused a message; also the label of the rejection counter. */
    public enum Rejection {
        /** Not 68 bytes. */
        LENGTH,
        /** Not our magic, version or message type: some other protocol, or a newer peer. */
        NOT_A_HEARTBEAT,
        /** The tag does not verify: another key, or bytes changed on the way. */
        BAD_MAC,
        /** Authentic but a field out of range (reserved bytes or unknown group bits set, unknown role or state). */
        BAD_FIELD,
        /** Authentic, from a node that is not the configured partner (or from ourselves). */
        UNKNOWN_NODE,
        /** Authentic, but its sequence number was seen already or is below the replay window. */
        REPLAYED;

        /** The label in metrics and logs: lower case, underscores. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A decoded message: the heartbeat, or why there is none. */
    public record Decoded(Heartbeat heartbeat, Rejection rejection) {
        public boolean accepted() {
            return heartbeat != null;
        }
    }

    private final Mac mac;
    private final byte[] tag = new byte[32];

    public HeartbeatCodec(SharedKey key) {
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.bytes(), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /**
     * The first sequence number of a process started at {@code wallClockMicros}; each message then
     * adds one. A restarted node starts above every number it sent before (it sent far fewer
     * messages than microseconds passed), so its partner's replay window takes it at once, unless
     * the wall clock was set back by more than the time between the two starts.
     */
    public static long firstSequence(long wallClockMicros) {
        return Math.max(1, wallClockMicros);
    }

    /** Writes {@code h} signed into {@code out[0..68)}. */
    public void encode(Heartbeat h, byte[] out) {
        if (out.length < LENGTH) {
            throw new IllegalArgumentException("a heartbeat needs " + LENGTH + " bytes, got " + out.length);
        }
        ByteBuffer b = ByteBuffer.wrap(out, 0, LENGTH);
        b.put(MAGIC).put((byte) VERSION).put((byte) TYPE_HEARTBEAT).put((byte) h.nodeId())
                .put((byte) h.role().ordinal()).put((byte) h.state().ordinal()).put((byte) h.reached())
                .put((byte) h.owned()).put((byte) h.takeover()).put((byte) 0).putLong(h.sequence())
                .putLong(h.syncPosition()).putShort((short) (h.mac() >>> 32)).putInt((int) h.mac()).putShort((short) 0);
        sign(out, out, TAG_OFFSET);
    }

    /** Checks and reads {@code in[0..length)}; never throws on any input. */
    public Decoded decode(byte[] in, int length) {
        if (length != LENGTH || in.length < LENGTH) {
            return new Decoded(null, Rejection.LENGTH);
        }
        if (in[0] != MAGIC[0] || in[1] != MAGIC[1] || in[2] != MAGIC[2] || in[3] != VERSION
                || in[4] != TYPE_HEARTBEAT) {
            return new Decoded(null, Rejection.NOT_A_HEARTBEAT);
        }
        sign(in, tag, 0);
        if (!MessageDigest.isEqual(tag, Arrays.copyOfRange(in, TAG_OFFSET, LENGTH))) {
            return new Decoded(null, Rejection.BAD_MAC);
        }
        ByteBuffer b = ByteBuffer.wrap(in, 0, LENGTH);
        int nodeId = b.get(5) & 0xFF;
        HaRole role = b.get(6) >= 0 && b.get(6) < HaRole.values().length ? HaRole.values()[b.get(6)] : null;
        Heartbeat.State state = Heartbeat.State.ofCode(b.get(7));
        int reached = b.get(8) & 0xFF;
        long sequence = b.getLong(12);
        long syncPosition = b.getLong(20);
        int owned = b.get(9);
        int takeover = b.get(10);
        long mac = (b.getShort(28) & 0xFFFFL) << 32 | (b.getInt(30) & 0xFFFF_FFFFL);
        if (nodeId == 0 || role == null || state == null || (owned & ~Heartbeat.GROUP_BITS) != 0
                || (takeover & ~Heartbeat.GROUP_BITS) != 0 || b.get(11) != 0 || b.getShort(34) != 0
                || sequence < 0 || syncPosition < 0) {
            return new Decoded(null, Rejection.BAD_FIELD);
        }
        return new Decoded(new Heartbeat(nodeId, role, state, sequence, reached, syncPosition, owned, takeover, mac),
                null);
    }

    private void sign(byte[] message, byte[] into, int offset) {
        mac.update(message, 0, TAG_OFFSET);
        try {
            mac.doFinal(into, offset);
        } catch (ShortBufferException e) {
            throw new IllegalStateException("32 bytes hold an HMAC-SHA256", e);
        }
    }
}
