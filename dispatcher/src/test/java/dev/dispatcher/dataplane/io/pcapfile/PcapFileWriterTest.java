package dev.dispatcher.dataplane.io.pcapfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.testing.PcapFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcapFileWriterTest {
    @TempDir
    Path dir;

    private List<String> files() throws Exception {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theOutputAppearsOnlyAtTheCommit() throws Exception {
        Path out = dir.resolve("out.pcap");
        try (PcapFileWriter writer = PcapFileWriter.create(out)) {
            assertTrue(writer.write(PacketBuffer.ofArray(new byte[] {1, 2, 3}), 7_000_000_123L));
            assertFalse(Files.exists(out), "not before the commit");
            writer.commit();
        }
        assertEquals(List.of("out.pcap"), files(), "no temporary file left");
        assertEquals(List.of("010203"), PcapFiles.read(out).stream().map(HexFormat.of()::formatHex).toList());
        byte[] bytes = Files.readAllBytes(out);
        assertEquals(24 + 16 + 3, bytes.length);
    }

    @Test
    void closingWithoutACommitDiscardsTheOutput() throws Exception {
        Path out = dir.resolve("out.pcap");
        Files.writeString(out, "before");
        try (PcapFileWriter writer = PcapFileWriter.create(out)) {
            writer.write(PacketBuffer.ofArray(new byte[60]), 0);
        }
        assertEquals("before", Files.readString(out));
        assertEquals(List.of("out.pcap"), files(), "no temporary file left");
    }

    @Test
    void theFirstWriteErrorRunsTheFailureActionOnceAndFailsTheCommit() throws Exception {
        AtomicInteger failures = new AtomicInteger();
        try (PcapFileWriter writer = PcapFileWriter.create(Path.of("/dev/full"))) {
            writer.onFailure(failures::incrementAndGet);
            PacketBuffer frame = PacketBuffer.ofArray(new byte[1500]);
            int written = 0;
            while (writer.write(frame, 0)) {
                written++;
                assertTrue(written < 10_000, "a write to /dev/full must fail once the buffer is written out");
            }
            assertFalse(writer.write(frame, 0), "and every write after it");
            assertEquals(1, failures.get());
            PacketIoException e = assertThrows(PacketIoException.class, writer::commit);
            assertEquals("cannot write output file /dev/full: No space left on device", e.getMessage());
        }
        assertFalse(Files.isRegularFile(Path.of("/dev/full")), "/dev/full is still a device");
    }
}
