package dev.dispatcher.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.core.FlowKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot file: what is written reads back word for word, and every way a file can be
 * unusable (missing, a flipped byte anywhere, cut short, another version, too old, more flows
 * than the table holds) is refused with its reason, never read as flows.
 */
class FlowSnapshotTest {
    private static final long NOW = 1_800_000_000_000L;
    private static final long HOUR = 3_600_000L;

    @TempDir
    Path dir;

    private static List<FlowSnapshot.Entry> entries(int n) {
        List<FlowSnapshot.Entry> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            FlowKey key = i % 2 == 0
                    ? new FlowKey().ipv4(0xC6120000 | i, 0xC6120064, 1024 + i, 80, 6)
                    : new FlowKey().set(0x2001_0DB8_0000_0000L, i, 0x2001_0DB8_0000_0000L, 0x64, 1024 + i, 443, 17);
            list.add(new FlowSnapshot.Entry(0x1234_5678_0000_0000L + i, key.sourceHigh(), key.sourceLow(),
                    key.destinationHigh(), key.destinationLow(), key.portsWord(),
                    i % 2 == 0 ? FlowState.TCP_ESTABLISHED : FlowState.UDP, 1_000_000_000L * (i + 1)));
        }
        return list;
    }

    private Path write(List<FlowSnapshot.Entry> entries) throws IOException {
        Path file = dir.resolve(FlowSnapshot.FILE_NAME);
        FlowSnapshot.write(file, NOW, entries.size(), sink -> entries.forEach(sink));
        return file;
    }

    private static FlowSnapshot.Problem problemOf(Path file, long now) {
        return assertThrows(FlowSnapshot.Unusable.class, () -> FlowSnapshot.read(file, now, HOUR, 1_000_000))
                .problem();
    }

    @Test
    void whatIsWrittenReadsBackWordForWord() throws Exception {
        // Over a megabyte: entries straddle the reader's and the writer's buffers.
        List<FlowSnapshot.Entry> written = entries(20_000);
        Path file = write(written);
        FlowSnapshot.Saved saved = FlowSnapshot.read(file, NOW + 5000, HOUR, 1_000_000);
        assertEquals(NOW, saved.savedAtEpochMillis());
        assertEquals(written, saved.entries());
        assertFalse(Files.exists(dir.resolve(FlowSnapshot.FILE_NAME + ".tmp")), "no temporary file is left");
    }

    @Test
    void anEmptyTableIsAValidSnapshot() throws Exception {
        Path file = write(List.of());
        assertEquals(List.of(), FlowSnapshot.read(file, NOW, HOUR, 1_000_000).entries());
    }

    @Test
    void everyFlippedByteIsFound() throws Exception {
        Path file = write(entries(3));
        byte[] good = Files.readAllBytes(file);
        Path bad = dir.resolve("bad");
        for (int i = 0; i < good.length; i++) {
            byte[] copy = good.clone();
            copy[i] ^= 0x10;
            Files.write(bad, copy);
            FlowSnapshot.Problem problem = problemOf(bad, NOW);
            // A flip in the version word is a version the reader does not know; anywhere else the
            // magic, the size check or the checksum refuses it.
            boolean inVersion = i >= 8 && i < 12;
            assertTrue(inVersion ? problem == FlowSnapshot.Problem.VERSION
                            : problem == FlowSnapshot.Problem.CORRUPT || problem == FlowSnapshot.Problem.TRUNCATED
                            || problem == FlowSnapshot.Problem.TOO_OLD,
                    "byte " + i + " flipped: " + problem);
            if (i >= 24) {
                assertEquals(FlowSnapshot.Problem.CORRUPT, problem, "byte " + i + " flipped (entries or checksum)");
            }
        }
    }

    @Test
    void aFileCutShortAtAnyLengthIsTruncated() throws Exception {
        Path file = write(entries(3));
        byte[] good = Files.readAllBytes(file);
        Path bad = dir.resolve("bad");
        for (int length = 0; length < good.length; length++) {
            Files.write(bad, Arrays.copyOf(good, length));
            assertEquals(FlowSnapshot.Problem.TRUNCATED, problemOf(bad, NOW), "cut at " + length + " bytes");
        }
    }

    @Test
    void anotherVersionIsRefusedByName() throws Exception {
        Path file = write(entries(2));
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).putInt(8, FlowSnapshot.VERSION + 1);
        Files.write(file, bytes);
        FlowSnapshot.Unusable e = assertThrows(FlowSnapshot.Unusable.class,
                () -> FlowSnapshot.read(file, NOW, HOUR, 1_000_000));
        assertEquals(FlowSnapshot.Problem.VERSION, e.problem());
        assertTrue(e.getMessage().contains("version " + (FlowSnapshot.VERSION + 1)), e.getMessage());
    }

    @Test
    void aSnapshotOlderThanTheLongestTimeoutIsTooOld() throws Exception {
        Path file = write(entries(2));
        assertEquals(2, FlowSnapshot.read(file, NOW + HOUR, HOUR, 1_000_000).entries().size());
        assertEquals(FlowSnapshot.Problem.TOO_OLD, problemOf(file, NOW + HOUR + 1));
    }

    @Test
    void aMissingFileAndOneWithMoreFlowsThanTheTableAreRefused() throws Exception {
        assertEquals(FlowSnapshot.Problem.MISSING, problemOf(dir.resolve("none"), NOW));
        Path file = write(entries(10));
        FlowSnapshot.Unusable e = assertThrows(FlowSnapshot.Unusable.class,
                () -> FlowSnapshot.read(file, NOW, HOUR, 9));
        assertEquals(FlowSnapshot.Problem.CORRUPT, e.problem());
    }

    @Test
    void aFailedWriteLeavesTheOldSnapshotInPlace() throws Exception {
        Path file = write(entries(4));
        byte[] before = Files.readAllBytes(file);
        assertThrows(IOException.class, () -> FlowSnapshot.write(file, NOW + 1, 5, sink -> entries(4).forEach(sink)),
                "fewer entries than announced");
        assertThrows(IllegalStateException.class, () -> FlowSnapshot.write(file, NOW + 1, 4, sink -> {
            throw new IllegalStateException("a worker's table went away");
        }));
        assertArrayEquals(before, Files.readAllBytes(file));
        assertFalse(Files.exists(dir.resolve(FlowSnapshot.FILE_NAME + ".tmp")));
        FlowSnapshot.discard(file);
        assertFalse(Files.exists(file), "a used snapshot is removed");
    }
}
