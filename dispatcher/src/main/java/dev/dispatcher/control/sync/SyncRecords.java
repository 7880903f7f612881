package dev.dispatcher.control.sync;

import dev.dispatcher.config.FlowTableConfig;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.core.FlowKey;
import java.nio.ByteBuffer;

/**
 * One flow on the wire, big-endian, in a batch's payload:
 *
 * <pre>
 *   upsert: 1 (1) | family 4 or 6 (1) | protocol (1) | state (1) | source address (4 or 16)
 *           | destination address (4 or 16) | source port (2) | destination port (2)
 *           | pair fingerprint (8) | lifetime in ms (4)            IPv4: 28 bytes, IPv6: 52
 *   remove: 2 (1) | family (1) | protocol (1) | 0 (1) | addresses | ports    IPv4: 16, IPv6: 40
 * </pre>
 *
 * The pair travels as its content fingerprint (the same for the same service and server on both
 * nodes), never as a local id. {@link #read} checks every field and says what is wrong; a batch
 * with one bad record is refused whole.
 */
public final class SyncRecords {
    public static final int UPSERT = 1;
    public static final int REMOVE = 2;
    /** The highest flow state code. */
    private static final int MAX_STATE = FlowState.MAX;
    /** The longest flow timeout the configuration allows. */
    private static final int MAX_LIFETIME_MS = (int) FlowTableConfig.MAX_TIMEOUT.toMillis();

    private SyncRecords() {
    }

    /** The bytes {@link #upsert} writes for {@code key}. */
    public static int upsertLength(FlowKey key) {
        return key.isIpv4() ? 28 : 52;
    }

    public static void upsert(ByteBuffer out, FlowKey key, int state, long fingerprint, long lifetimeNanos) {
        header(out, UPSERT, key, state);
        out.putLong(fingerprint);
        out.putInt((int) Math.min(MAX_LIFETIME_MS, Math.max(1, lifetimeNanos / 1_000_000)));
    }

    public static int removeLength(FlowKey key) {
        return key.isIpv4() ? 16 : 40;
    }

    public static void remove(ByteBuffer out, FlowKey key) {
        header(out, REMOVE, key, 0);
    }

    private static void header(ByteBuffer out, int type, FlowKey key, int state) {
        out.put((byte) type).put((byte) (key.isIpv4() ? 4 : 6)).put((byte) key.protocol()).put((byte) state);
        if (key.isIpv4()) {
            out.putInt(key.ipv4Source()).putInt(key.ipv4Destination());
        } else {
            out.putLong(key.sourceHigh()).putLong(key.sourceLow()).putLong(key.destinationHigh())
                    .putLong(key.destinationLow());
        }
        out.putShort((short) key.sourcePort()).putShort((short) key.destinationPort());
    }

    /** A decoded record; the key is filled into the caller's. */
    public record Decoded(int type, int state, long fingerprint, long lifetimeNanos) {
    }

    /**
     * Reads one record at {@code in}'s position into {@code key}.
     *
     * @throws IllegalArgumentException naming the field that is wrong
     */
    public static Decoded read(ByteBuffer in, FlowKey key) {
        if (in.remaining() < 4) {
            throw new IllegalArgumentException("record cut short: " + in.remaining() + " bytes");
        }
        int type = in.get();
        int family = in.get();
        int protocol = in.get() & 0xFF;
        int state = in.get() & 0xFF;
        if (type != UPSERT && type != REMOVE) {
            throw new IllegalArgumentException("record type " + type + " (1 upsert, 2 remove)");
        }
        if (family != 4 && family != 6) {
            throw new IllegalArgumentException("address family " + family + " (4 or 6)");
        }
        if (protocol != 6 && protocol != 17) {
            throw new IllegalArgumentException("protocol " + protocol + " (6 or 17)");
        }
        if (state > MAX_STATE || (type == REMOVE && state != 0)) {
            throw new IllegalArgumentException("state " + state);
        }
        int rest = (family == 4 ? 12 : 36) + (type == UPSERT ? 12 : 0);
        if (in.remaining() < rest) {
            throw new IllegalArgumentException("record cut short: " + in.remaining() + " of " + rest + " bytes");
        }
        if (family == 4) {
            int source = in.getInt();
            int destination = in.getInt();
            key.ipv4(source, destination, in.getShort() & 0xFFFF, in.getShort() & 0xFFFF, protocol);
        } else {
            long sh = in.getLong();
            long sl = in.getLong();
            long dh = in.getLong();
            long dl = in.getLong();
            key.set(sh, sl, dh, dl, in.getShort() & 0xFFFF, in.getShort() & 0xFFFF, protocol);
        }
        if (type == REMOVE) {
            return new Decoded(type, 0, 0, 0);
        }
        long fingerprint = in.getLong();
        int lifetimeMs = in.getInt();
        if (lifetimeMs <= 0 || lifetimeMs > MAX_LIFETIME_MS) {
            throw new IllegalArgumentException("lifetime " + lifetimeMs + " ms (1 ms to " + MAX_LIFETIME_MS + " ms)");
        }
        return new Decoded(type, state, fingerprint, lifetimeMs * 1_000_000L);
    }
}
