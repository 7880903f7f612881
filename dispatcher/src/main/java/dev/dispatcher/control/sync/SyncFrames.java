package dev.dispatcher.control.sync;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;

/**
 * The sync stream's framing, big-endian.
 *
 * <pre>
 *   challenge (sender, first):          the sender's nonce (16)
 *   hello (receiver to sender):         "DHS1" (4) | receiver's nonce (16)
 *                                       | HMAC-SHA256 of those 20 bytes and the sender's nonce (32)
 *   frame (sender to receiver):         length of the body (4) | body | HMAC-SHA256 of nonce | body (32)
 *   body:                               kind (1) | sequence (8) | sender's wall clock, ms (8)
 *                                       | records sent before this frame (8) | payload
 *   kinds:                              1 batch (payload: records, see SyncRecords), 2 bulk begins,
 *                                       3 bulk ends (no payload)
 * </pre>
 *
 * The sender's nonce in the hello's tag means a recorded hello cannot make anybody a receiver of
 * the flow table; the receiver's fresh nonce in every frame's tag means a recorded stream cannot be
 * replayed into another connection; the sequence, which starts at 1 and grows by one, means no frame of this
 * one can be dropped, repeated or reordered unnoticed. Bodies are at most {@link #MAX_BODY} bytes.
 */
public final class SyncFrames {
    public static final int BATCH = 1;
    public static final int BULK_BEGIN = 2;
    public static final int BULK_END = 3;
    public static final int MAX_BODY = 1 << 20;
    public static final int NONCE_BYTES = 16;
    static final int TAG_BYTES = 32;
    static final int HEADER_BYTES = 25;
    private static final byte[] MAGIC = {'D', 'H', 'S', '1'};

    /** Why a stream was refused; also the label of its counter. */
    public enum Rejection {
        /** A hello or frame whose tag does not verify. */
        BAD_MAC,
        /** Not our protocol, a length out of range, an unknown kind. */
        MALFORMED,
        /** A frame out of order: a sequence number that is not the next one. */
        BAD_SEQUENCE,
        /** A record that does not decode. */
        BAD_RECORD,
        /** A connection from another address than the partner's. */
        UNKNOWN_PEER;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A stream refused for a reason; the connection is closed and nothing more of it applied. */
    public static final class RefusedException extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient Rejection rejection;

        public RefusedException(Rejection rejection, String message) {
            super(message);
            this.rejection = rejection;
        }

        public Rejection rejection() {
            return rejection;
        }
    }

    private SyncFrames() {
    }

    /** The receiver's hello: its nonce, signed together with the sender's challenge. */
    public static byte[] hello(Mac mac, byte[] nonce, byte[] challenge) {
        byte[] out = new byte[MAGIC.length + NONCE_BYTES + TAG_BYTES];
        System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
        System.arraycopy(nonce, 0, out, MAGIC.length, NONCE_BYTES);
        mac.update(out, 0, MAGIC.length + NONCE_BYTES);
        mac.update(challenge);
        finish(mac, out, MAGIC.length + NONCE_BYTES);
        return out;
    }

    /** The receiver's nonce from a hello read from {@code in}, once its tag verified against {@code challenge}. */
    public static byte[] readHello(DataInputStream in, Mac mac, byte[] challenge) throws IOException {
        byte[] hello = new byte[MAGIC.length + NONCE_BYTES + TAG_BYTES];
        in.readFully(hello);
        if (!Arrays.equals(hello, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new RefusedException(Rejection.MALFORMED, "not a sync hello");
        }
        mac.update(hello, 0, MAGIC.length + NONCE_BYTES);
        mac.update(challenge);
        byte[] tag = mac.doFinal();
        if (!MessageDigest.isEqual(tag, Arrays.copyOfRange(hello, MAGIC.length + NONCE_BYTES, hello.length))) {
            throw new RefusedException(Rejection.BAD_MAC, "the hello's tag does not verify (another key?)");
        }
        return Arrays.copyOfRange(hello, MAGIC.length, MAGIC.length + NONCE_BYTES);
    }

    /**
     * Writes a frame of {@code kind} whose payload is {@code payload[0..position)}.
     *
     * @param scratch a buffer of at least 4 + {@link #HEADER_BYTES} + payload + {@link #TAG_BYTES} bytes
     */
    public static void write(OutputStream out, Mac mac, byte[] nonce, int kind, long sequence, long wallMillis,
                             long recordsBefore, ByteBuffer payload, byte[] scratch) throws IOException {
        int payloadBytes = payload == null ? 0 : payload.position();
        int body = HEADER_BYTES + payloadBytes;
        ByteBuffer b = ByteBuffer.wrap(scratch);
        b.putInt(body).put((byte) kind).putLong(sequence).putLong(wallMillis).putLong(recordsBefore);
        if (payloadBytes > 0) {
            b.put(payload.array(), 0, payloadBytes);
        }
        mac.update(nonce);
        mac.update(scratch, 4, body);
        finish(mac, scratch, 4 + body);
        out.write(scratch, 0, 4 + body + TAG_BYTES);
    }

    /** The bytes a frame with {@code payloadBytes} of payload takes on the wire. */
    public static int frameBytes(int payloadBytes) {
        return 4 + HEADER_BYTES + payloadBytes + TAG_BYTES;
    }

    /** A frame as read and verified; {@code payload} is valid until the next read. */
    public record Frame(int kind, long sequence, long wallMillis, long recordsBefore, ByteBuffer payload) {
    }

    /**
     * Reads the next frame, checking its length, tag (in constant time), kind and sequence.
     *
     * @param buffer holds the body; at least {@link #MAX_BODY} bytes
     * @throws EOFException at a clean end of the stream between frames
     */
    public static Frame read(DataInputStream in, Mac mac, byte[] nonce, long expectedSequence, byte[] buffer)
            throws IOException {
        int body = in.readInt();
        if (body < HEADER_BYTES || body > MAX_BODY) {
            throw new RefusedException(Rejection.MALFORMED, "frame body of " + body + " bytes (" + HEADER_BYTES
                    + " to " + MAX_BODY + ")");
        }
        in.readFully(buffer, 0, body);
        byte[] tag = new byte[TAG_BYTES];
        in.readFully(tag);
        mac.update(nonce);
        mac.update(buffer, 0, body);
        if (!MessageDigest.isEqual(tag, mac.doFinal())) {
            throw new RefusedException(Rejection.BAD_MAC, "a frame's tag does not verify");
        }
        ByteBuffer b = ByteBuffer.wrap(buffer, 0, body);
        int kind = b.get();
        long sequence = b.getLong();
        long wall = b.getLong();
        long before = b.getLong();
        if (kind != BATCH && kind != BULK_BEGIN && kind != BULK_END) {
            throw new RefusedException(Rejection.MALFORMED, "frame kind " + kind);
        }
        if (sequence != expectedSequence) {
            throw new RefusedException(Rejection.BAD_SEQUENCE, "frame " + sequence + " where " + expectedSequence
                    + " was next");
        }
        if (kind != BATCH && b.hasRemaining()) {
            throw new RefusedException(Rejection.MALFORMED, "a bulk marker with a payload");
        }
        return new Frame(kind, sequence, wall, before, b.slice());
    }

    private static void finish(Mac mac, byte[] into, int offset) {
        try {
            mac.doFinal(into, offset);
        } catch (ShortBufferException e) {
            throw new IllegalStateException("room for the tag was reserved", e);
        }
    }
}
