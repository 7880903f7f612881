package dev.dispatcher.dataplane.io.pcapfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.dispatcher.dataplane.io.PacketSource;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader against files built byte by byte here, independently of any pcap library. */
class PcapFileSourceTest {
    private static final int SNAPLEN = 2048;

    @TempDir
    Path dir;

    record Seen(String hex, int wireLength, long nanos) {
    }

    /** A big-endian nanosecond file: three records, the second claiming less on the wire than it holds. */
    private Path file(ByteBuffer extra) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.BIG_ENDIAN);
        b.putInt(0xA1B23C4D).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        b.putInt(10).putInt(999_999_999).putInt(3).putInt(60).put(new byte[] {1, 2, 3});
        b.putInt(11).putInt(5).putInt(4).putInt(2).put(new byte[] {4, 5, 6, 7});
        b.putInt(12).putInt(0).putInt(0).putInt(0);
        if (extra != null) {
            b.put(extra.flip());
        }
        Path file = dir.resolve("t.pcap");
        Files.write(file, java.util.Arrays.copyOf(b.array(), b.position()));
        return file;
    }

    private static List<Seen> readAll(PcapFileSource source) {
        List<Seen> seen = new ArrayList<>();
        while (source.poll((frame, wire, nanos) -> seen.add(new Seen(HexFormat.of().formatHex(frame.toByteArray()),
                wire, nanos)), 2) != PacketSource.END_OF_STREAM) {
            // Two frames per poll, so that a batch boundary falls inside the file.
        }
        return seen;
    }

    @Test
    void readsEveryRecordWithItsWireLengthAndTimestamp() throws Exception {
        try (PcapFileSource source = PcapFileSource.open(file(null), SNAPLEN)) {
            assertEquals(List.of(new Seen("010203", 60, 10_999_999_999L), new Seen("04050607", 4, 11_000_000_005L),
                    new Seen("", 0, 12_000_000_000L)), readAll(source));
            assertNull(source.failure());
            assertEquals(3, source.records());
            assertEquals(PacketSource.END_OF_STREAM, source.poll((f, w, n) -> { }, 1), "stays at the end");
        }
    }

    @Test
    void aFrameLongerThanSnaplenIsCutToItWithItsWireLengthKept() throws Exception {
        ByteBuffer longer = ByteBuffer.allocate(16 + 3000).order(ByteOrder.BIG_ENDIAN);
        longer.putInt(13).putInt(0).putInt(3000).putInt(3000).put(new byte[3000]);
        try (PcapFileSource source = PcapFileSource.open(file(longer), SNAPLEN)) {
            Seen last = readAll(source).getLast();
            assertEquals(SNAPLEN * 2, last.hex().length(), "snaplen bytes seen");
            assertEquals(3000, last.wireLength());
            assertNull(source.failure());
        }
    }

    @Test
    void aDamagedRecordEndsTheStreamAfterTheGoodOnesAndSaysWhere() throws Exception {
        ByteBuffer bad = ByteBuffer.allocate(32).order(ByteOrder.BIG_ENDIAN);
        bad.putInt(13).putInt(0).putInt(262_145).putInt(60);
        Path file = file(bad);
        try (PcapFileSource source = PcapFileSource.open(file, SNAPLEN)) {
            assertEquals(3, readAll(source).size(), "the records before the damaged one");
            assertEquals("pcap file " + file + ": record 4 at byte " + (24 + 19 + 20 + 16)
                    + ": captured length 262145 is "
                    + "above 262144, the most a pcap record holds: damaged record header", source.failure());
            assertEquals(3, source.records());
        }
    }
}
