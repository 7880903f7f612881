package dev.dispatcher.dataplane.io.pcapfile;

import static dev.dispatcher.dataplane.io.pcapfile.PcapFormat.FILE_HEADER_BYTES;
import static dev.dispatcher.dataplane.io.pcapfile.PcapFormat.MAX_RECORD_BYTES;
import static dev.dispatcher.dataplane.io.pcapfile.PcapFormat.RECORD_HEADER_BYTES;

import dev.dispatcher.dataplane.io.FrameHandler;
import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.packet.PacketBuffer;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * Frames from a pcap file, with the file's timestamps as the clock, so that a replay drives flow
 * timeouts exactly as the capture did. Offline: read at the pipeline's pace ({@link #offline}).
 * Each frame is cut to io.snaplen, as a live capture would cut it, with its wire length intact.
 *
 * <p>The file header is checked when the file is opened, so that a file we cannot read fails
 * before anything runs. A damaged record (a captured length no capture can have, a timestamp
 * fraction of a second or more, a file that ends inside a record) ends the stream with
 * {@link #failure()} naming the record and its byte offset: the frames after it would be read from
 * the wrong offsets, and a replay that silently stops early would look complete.
 */
public final class PcapFileSource implements PacketSource {
    private static final int READ_BUFFER_BYTES = 1 << 16;

    private final Path file;
    private final InputStream in;
    private final boolean nanos;
    private final int snaplen;
    private final byte[] header = new byte[RECORD_HEADER_BYTES];
    private final ByteBuffer headerView;
    /** A whole record always fits, so that a long one is consumed in one read and cut to snaplen afterwards. */
    private final byte[] data = new byte[MAX_RECORD_BYTES];
    private final PacketBuffer buffer;
    /** Byte offset of the next record header. */
    private long offset = FILE_HEADER_BYTES;
    private long records;
    private volatile long nowNanos;
    private volatile String failure;
    private boolean ended;

    private PcapFileSource(Path file, InputStream in, ByteOrder order, boolean nanos, int snaplen) {
        this.file = file;
        this.in = in;
        this.nanos = nanos;
        this.snaplen = snaplen;
        this.headerView = ByteBuffer.wrap(header).order(order);
        this.buffer = new PacketBuffer().wrap(MemorySegment.ofArray(data), 0, 0);
    }

    /**
     * Opens the file and checks its header.
     *
     * @param snaplen bytes of each frame the data plane sees, as from a live capture (io.snaplen);
     *     the wire length of a longer one stays what the file says
     * @throws PacketIoException with a one-line message when the file cannot be read or is not a
     *     pcap file of Ethernet frames
     */
    public static PcapFileSource open(Path file, int snaplen) throws PacketIoException {
        InputStream in;
        try {
            in = new BufferedInputStream(Files.newInputStream(file), READ_BUFFER_BYTES);
        } catch (IOException e) {
            throw new PacketIoException("cannot read pcap file " + file + ": " + reason(e), e);
        }
        try {
            byte[] bytes = new byte[FILE_HEADER_BYTES];
            int n = in.readNBytes(bytes, 0, bytes.length);
            if (n < FILE_HEADER_BYTES) {
                throw damaged(file, "the file ends after " + n + " bytes, inside the 24-byte pcap file header");
            }
            ByteOrder order = byteOrder(file, bytes);
            ByteBuffer h = ByteBuffer.wrap(bytes).order(order);
            boolean nanos = h.getInt(0) == PcapFormat.MAGIC_NANOS;
            int major = Short.toUnsignedInt(h.getShort(4));
            int minor = Short.toUnsignedInt(h.getShort(6));
            if (major != PcapFormat.VERSION_MAJOR || minor != PcapFormat.VERSION_MINOR) {
                throw damaged(file, "pcap version " + major + "." + minor + " at byte 4, expected 2.4");
            }
            long fileSnaplen = Integer.toUnsignedLong(h.getInt(16));
            if (fileSnaplen == 0 || fileSnaplen > MAX_RECORD_BYTES) {
                throw damaged(file, "snaplen " + fileSnaplen + " at byte 16, expected 1 to " + MAX_RECORD_BYTES);
            }
            long linkType = Integer.toUnsignedLong(h.getInt(20));
            if (linkType != PcapFormat.LINKTYPE_ETHERNET) {
                throw damaged(file, "link type " + linkType + " (" + PcapFormat.linkTypeName(linkType)
                        + ") at byte 20, expected 1 (Ethernet)");
            }
            return new PcapFileSource(file, in, order, nanos, snaplen);
        } catch (IOException e) {
            closeQuietly(in);
            throw new PacketIoException("cannot read pcap file " + file + ": " + reason(e), e);
        } catch (PacketIoException e) {
            closeQuietly(in);
            throw e;
        }
    }

    private static ByteOrder byteOrder(Path file, byte[] bytes) throws PacketIoException {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            int magic = ByteBuffer.wrap(bytes).order(order).getInt(0);
            if (magic == PcapFormat.MAGIC_MICROS || magic == PcapFormat.MAGIC_NANOS) {
                return order;
            }
        }
        if (ByteBuffer.wrap(bytes).getInt(0) == PcapFormat.PCAPNG_BLOCK) {
            throw damaged(file, "a pcapng file, which replay does not read: convert it with `editcap -F pcap "
                    + file + " out.pcap`");
        }
        throw damaged(file, "not a pcap file: it starts with " + HexFormat.ofDelimiter(" ").formatHex(bytes, 0, 4)
                + " (a pcap file starts with a1 b2 c3 d4 or a1 b2 3c 4d, or the same reversed)");
    }

    private static PacketIoException damaged(Path file, String problem) {
        return new PacketIoException("pcap file " + file + ": " + problem, null);
    }

    @Override
    public int poll(FrameHandler handler, int maxFrames) {
        if (ended) {
            return END_OF_STREAM;
        }
        int n = 0;
        while (n < maxFrames) {
            int wireLength = readRecord();
            if (wireLength < 0) {
                ended = true;
                break;
            }
            handler.onFrame(buffer, wireLength, nowNanos);
            n++;
        }
        return n == 0 && ended ? END_OF_STREAM : n;
    }

    /** Reads the next record into {@link #buffer}; its wire length, or -1 at the end or on damage. */
    private int readRecord() {
        long at = offset;
        long number = records + 1;
        try {
            int got = in.readNBytes(header, 0, RECORD_HEADER_BYTES);
            if (got == 0) {
                return -1;
            }
            if (got < RECORD_HEADER_BYTES) {
                return fail(number, at, "truncated: the file ends " + got + " bytes into the 16-byte record header");
            }
            long seconds = Integer.toUnsignedLong(headerView.getInt(0));
            long fraction = Integer.toUnsignedLong(headerView.getInt(4));
            long captured = Integer.toUnsignedLong(headerView.getInt(8));
            long original = Integer.toUnsignedLong(headerView.getInt(12));
            if (captured > MAX_RECORD_BYTES) {
                return fail(number, at, "captured length " + captured + " is above " + MAX_RECORD_BYTES
                        + ", the most a pcap record holds: damaged record header");
            }
            if (fraction >= (nanos ? 1_000_000_000L : 1_000_000L)) {
                return fail(number, at, "timestamp fraction " + fraction + " is one second or more ("
                        + (nanos ? "nanoseconds" : "microseconds") + "): damaged record header");
            }
            got = in.readNBytes(data, 0, (int) captured);
            if (got < captured) {
                return fail(number, at, "truncated: the record header says " + captured
                        + " captured bytes, the file ends after " + got);
            }
            offset = at + RECORD_HEADER_BYTES + captured;
            records = number;
            nowNanos = seconds * 1_000_000_000L + (nanos ? fraction : fraction * 1_000L);
            // The data plane sees snaplen bytes of a frame, as from a live capture (whose kernel
            // filter keeps snaplen bytes): a longer frame is then capture_truncated in every
            // threading mode, not decided on bytes a live dispatcher would never have seen.
            buffer.length((int) Math.min(captured, snaplen));
            // A record may claim less on the wire than it holds (a writer's bug): it was seen whole.
            return (int) Math.min(Integer.MAX_VALUE, Math.max(original, captured));
        } catch (IOException e) {
            return fail(number, at, "cannot read: " + reason(e));
        }
    }

    private int fail(long number, long at, String problem) {
        failure = "pcap file " + file + ": record " + number + " at byte " + at + ": " + problem;
        return -1;
    }

    /**
     * Why the stream ended early, naming the record and its byte offset; null when it ended at the
     * end of the file (or has not ended). Read it after the pipeline has stopped.
     */
    @Override
    public String failure() {
        return failure;
    }

    /** Records read whole so far. */
    public long records() {
        return records;
    }

    /** Read at the pipeline's pace: every frame of the file gets a verdict. */
    @Override
    public boolean offline() {
        return true;
    }

    @Override
    public long nowNanos() {
        return nowNanos;
    }

    @Override
    public void close() {
        closeQuietly(in);
    }

    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return String.valueOf(e.getMessage());
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // Read-only: nothing was lost.
        }
    }
}
