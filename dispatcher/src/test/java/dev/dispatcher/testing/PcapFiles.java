package dev.dispatcher.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes classic pcap files (libpcap format, microsecond or nanosecond timestamps) in
 * plain Java, so that tests depend on neither our I/O code nor pcap4j to check what went through.
 */
public final class PcapFiles {
    private static final int MAGIC_MICROS = 0xA1B2C3D4;
    private static final int MAGIC_NANOS = 0xA1B23C4D;

    private PcapFiles() {
    }

    /** Writes frames 1 ms apart, starting at an arbitrary fixed time (little-endian, microseconds). */
    public static void write(Path file, List<byte[]> frames) throws IOException {
        write(file, frames, ByteOrder.LITTLE_ENDIAN, false);
    }

    /** Writes frames 1 ms apart in the given byte order, with nanosecond or microsecond timestamps. */
    public static void write(Path file, List<byte[]> frames, ByteOrder order, boolean nanos) throws IOException {
        int size = 24 + frames.stream().mapToInt(f -> 16 + f.length).sum();
        ByteBuffer b = ByteBuffer.allocate(size).order(order);
        b.putInt(nanos ? MAGIC_NANOS : MAGIC_MICROS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(65535).putInt(1);
        long micros = 1_700_000_000_000_000L;
        for (byte[] frame : frames) {
            b.putInt((int) (micros / 1_000_000)).putInt((int) (micros % 1_000_000) * (nanos ? 1000 : 1));
            b.putInt(frame.length).putInt(frame.length).put(frame);
            micros += 1000;
        }
        Files.write(file, b.array());
    }

    public static List<byte[]> read(Path file) throws IOException {
        return readRecords(file).stream().map(Record::frame).toList();
    }

    /** A frame and its timestamp. */
    public record Record(long nanos, byte[] frame) {
    }

    public static List<Record> readRecords(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        b.order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt();
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            b.order(ByteOrder.BIG_ENDIAN);
            b.position(0);
            magic = b.getInt();
            if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
                throw new IOException("not a pcap file: " + file);
            }
        }
        long fractionNanos = magic == MAGIC_NANOS ? 1 : 1000;
        b.position(24);
        List<Record> records = new ArrayList<>();
        while (b.remaining() >= 16) {
            long seconds = Integer.toUnsignedLong(b.getInt());
            long fraction = Integer.toUnsignedLong(b.getInt());
            int captured = b.getInt();
            b.getInt();
            byte[] frame = new byte[captured];
            b.get(frame);
            records.add(new Record(seconds * 1_000_000_000L + fraction * fractionNanos, frame));
        }
        return records;
    }
}
