package dev.dispatcher.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.testing.Frames;
import dev.dispatcher.testing.PcapFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * {@code replay} against damaged captures and outputs it must not or cannot write: a one-line
 * error that says what and where, a non-zero exit, and never a half-written output or a
 * destroyed input.
 */
class ReplayCliTest {
    private static final String CONFIG = """
            interface: eth0
            clusters:
              - address: 198.18.0.100
                ports:
                  - port: 80
                    servers:
                      - address: 198.18.0.11
                        weight: 1
                        mac: 02:00:00:00:00:11
            """;
    private static final int FRAMES = 5;

    @TempDir
    Path dir;
    private Path config;

    @BeforeEach
    void writeConfig() throws Exception {
        config = dir.resolve("dispatcher.yaml");
        Files.writeString(config, CONFIG);
    }

    /** FRAMES SYNs of different flows, each forwarded. */
    private static List<byte[]> frames() {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            frames.add(new Frames.Tcp().srcPort(40_000 + i).build());
        }
        return frames;
    }

    private Path capture() throws Exception {
        Path in = dir.resolve("in.pcap");
        PcapFiles.write(in, frames());
        return in;
    }

    /** Byte offset of record {@code number} (from 1) in a file {@link PcapFiles#write} made of {@link #frames}. */
    private static int recordOffset(int number) {
        int offset = 24;
        List<byte[]> frames = frames();
        for (int i = 0; i < number - 1; i++) {
            offset += 16 + frames.get(i).length;
        }
        return offset;
    }

    private CliRun replay(Path in, Path out, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("replay", "--config", config.toString(), "--in", in.toString(),
                "--out", out.toString(), "--mode", "inline"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    private static void patchInt(Path file, int offset, int value) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
        Files.write(file, bytes);
    }

    private List<String> filesInDir() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anIntactCaptureIsReplayedWhole() throws Exception {
        Path out = dir.resolve("out.pcap");
        CliRun r = replay(capture(), out);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("received 5, forwarded 5, passed 0, dropped 0"), r.out());
        assertEquals(FRAMES, PcapFiles.read(out).size());
    }

    @Test
    void aRecordLongerThanAnyCaptureIsAnErrorWithItsNumberAndOffset() throws Exception {
        Path in = capture();
        int at = recordOffset(4);
        patchInt(in, at + 8, 300_000);
        Path out = dir.resolve("out.pcap");
        CliRun r = replay(in, out);
        assertEquals(1, r.exit(), r.out());
        assertEquals("error: pcap file " + in + ": record 4 at byte " + at
                + ": captured length 300000 is above 262144, "
                + "the most a pcap record holds: damaged record header", r.err().strip());
        assertFalse(Files.exists(out), "no output from a failed run");
    }

    @Test
    void aTruncatedLastRecordIsAnError() throws Exception {
        Path in = capture();
        byte[] bytes = Files.readAllBytes(in);
        Files.write(in, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        int at = recordOffset(5);
        int captured = frames().get(4).length;
        CliRun r = replay(in, dir.resolve("out.pcap"));
        assertEquals(1, r.exit(), r.out());
        assertEquals("error: pcap file " + in + ": record 5 at byte " + at + ": truncated: the record header says "
                + captured + " captured bytes, the file ends after " + (captured - 10), r.err().strip());
    }

    @Test
    void aFileEndingInsideARecordHeaderIsAnError() throws Exception {
        Path in = capture();
        byte[] bytes = Files.readAllBytes(in);
        int at = recordOffset(5);
        Files.write(in, java.util.Arrays.copyOf(bytes, at + 7));
        CliRun r = replay(in, dir.resolve("out.pcap"));
        assertEquals(1, r.exit(), r.out());
        assertEquals("error: pcap file " + in + ": record 5 at byte " + at + ": truncated: the file ends 7 bytes into "
                + "the 16-byte record header", r.err().strip());
    }

    @Test
    void aTimestampFractionOfASecondOrMoreIsAnError() throws Exception {
        Path in = capture();
        int at = recordOffset(2);
        patchInt(in, at + 4, 1_000_000);
        CliRun r = replay(in, dir.resolve("out.pcap"));
        assertEquals(1, r.exit(), r.out());
        assertEquals("error: pcap file " + in + ": record 2 at byte " + at
                + ": timestamp fraction 1000000 is one second "
                + "or more (microseconds): damaged record header", r.err().strip());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "magic    | 0  | 0x12345678 | not a pcap file: it starts with 78 56 34 12 "
                + "(a pcap file starts with a1 b2 c3 d4 or a1 b2 3c 4d, or the same reversed)",
        "pcapng   | 0  | 0x0A0D0D0A | a pcapng file, which replay does not read: "
                + "convert it with `editcap -F pcap FILE out.pcap`",
        "version  | 4  | 0x00010003 | pcap version 3.1 at byte 4, expected 2.4",
        "snaplen  | 16 | 0          | snaplen 0 at byte 16, expected 1 to 262144",
        "snaplen  | 16 | 0x00100000 | snaplen 1048576 at byte 16, expected 1 to 262144",
        "linktype | 20 | 113        | link type 113 (Linux cooked capture: from `tcpdump -i any`?) "
                + "at byte 20, expected 1 (Ethernet)",
        "linktype | 20 | 101        | link type 101 (raw IP) at byte 20, expected 1 (Ethernet)",
        "linktype | 20 | 0x10000001 | link type 268435457 (not Ethernet) at byte 20, expected 1 (Ethernet)",
    })
    void aBadFileHeaderIsAOneLineError(String field, int offset, String value, String message) throws Exception {
        Path in = capture();
        patchInt(in, offset, Integer.decode(value));
        Path out = dir.resolve("out.pcap");
        CliRun r = replay(in, out);
        assertEquals(1, r.exit(), r.out());
        assertEquals("error: pcap file " + in + ": " + message.replace("FILE", in.toString()), r.err().strip());
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void aFileShorterThanItsHeaderIsAnError() throws Exception {
        Path in = dir.resolve("short.pcap");
        Files.write(in, new byte[10]);
        CliRun r = replay(in, dir.resolve("out.pcap"));
        assertEquals(1, r.exit(), r.out());
        assertEquals("error: pcap file " + in + ": the file ends after 10 bytes, inside the 24-byte pcap file header",
                r.err().strip());
        Files.write(in, new byte[0]);
        CliRun empty = replay(in, dir.resolve("out.pcap"));
        assertEquals(1, empty.exit(), empty.out());
        assertEquals("error: pcap file " + in + ": the file ends after 0 bytes, inside the 24-byte pcap file header",
                empty.err().strip());
    }

    @Test
    void bigEndianAndNanosecondCapturesAreReadLikeTheUsualOnes() throws Exception {
        Path usual = capture();
        CliRun reference = replay(usual, dir.resolve("usual-out.pcap"));
        assertEquals(0, reference.exit(), reference.err());
        for (boolean bigEndian : new boolean[] {false, true}) {
            for (boolean nanos : new boolean[] {false, true}) {
                Path in = dir.resolve("in-" + bigEndian + "-" + nanos + ".pcap");
                Path out = dir.resolve("out-" + bigEndian + "-" + nanos + ".pcap");
                PcapFiles.write(in, frames(), bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN, nanos);
                CliRun r = replay(in, out);
                assertEquals(0, r.exit(), r.err());
                assertEquals(reference.out(), r.out(), "big-endian " + bigEndian + ", nanoseconds " + nanos);
                assertEquals(hex(PcapFiles.read(dir.resolve("usual-out.pcap"))), hex(PcapFiles.read(out)));
            }
        }
    }

    @Test
    void aWriteErrorFailsTheRun() throws Exception {
        Path full = Path.of("/dev/full");
        CliRun r = replay(capture(), full);
        assertEquals(1, r.exit(), r.out());
        assertEquals("error: cannot write output file /dev/full: No space left on device", r.err().strip());
    }

    @Test
    void aDeviceOutputIsWrittenInPlace() throws Exception {
        CliRun r = replay(capture(), Path.of("/dev/null"));
        assertEquals(0, r.exit(), r.err());
        assertFalse(Files.isRegularFile(Path.of("/dev/null")), "/dev/null is still a device");
    }

    @Test
    void theInputIsNeverTheOutput() throws Exception {
        Path in = capture();
        byte[] original = Files.readAllBytes(in);
        Path hardLink = Files.createLink(dir.resolve("hard.pcap"), in);
        Path symLink = Files.createSymbolicLink(dir.resolve("sym.pcap"), in);
        Path dotted = dir.resolve(".").resolve("in.pcap");
        for (Path out : List.of(in, hardLink, symLink, dotted)) {
            CliRun r = replay(in, out);
            assertEquals(2, r.exit(), out + ": " + r.out());
            assertEquals("--out: " + out + " is the input file (--in " + in + "): refusing to overwrite the capture "
                    + "being read", r.err().strip());
            assertArrayEquals(original, Files.readAllBytes(in), "input intact after --out " + out);
        }
        CliRun backwards = replay(symLink, in);
        assertEquals(2, backwards.exit(), backwards.out());
        assertArrayEquals(original, Files.readAllBytes(in), "input intact when read through a link");
    }

    @Test
    void aFailedRunLeavesAnExistingOutputAsItWasAndNoTemporaryFile() throws Exception {
        Path in = capture();
        patchInt(in, recordOffset(3) + 8, 300_000);
        Path out = dir.resolve("out.pcap");
        Files.writeString(out, "the previous output");
        List<String> before = filesInDir();
        CliRun r = replay(in, out);
        assertEquals(1, r.exit(), r.out());
        assertEquals("the previous output", Files.readString(out));
        assertEquals(before, filesInDir(), "no temporary file left behind");
    }

    @Test
    void aSuccessfulRunReplacesTheTargetOfASymbolicLinkAndLeavesNoTemporaryFile() throws Exception {
        Path in = capture();
        Path target = dir.resolve("target.pcap");
        Files.writeString(target, "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.pcap"), target);
        List<String> before = filesInDir();
        CliRun r = replay(in, link);
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        assertEquals(FRAMES, PcapFiles.read(target).size());
        assertEquals(before, filesInDir(), "no temporary file left behind");
    }

    @Test
    void anOutputThatIsADirectoryOrInAMissingDirectoryIsRefused() throws Exception {
        Path in = capture();
        CliRun directory = replay(in, dir);
        assertEquals(2, directory.exit(), directory.out());
        assertEquals("--out: " + dir + " is a directory", directory.err().strip());
        Path missing = dir.resolve("no-such-dir").resolve("out.pcap");
        CliRun r = replay(in, missing);
        assertEquals(2, r.exit(), r.out());
        assertEquals("--out: directory " + missing.getParent() + " does not exist", r.err().strip());
    }

    @Test
    void theConfigurationIsNeverTheOutput() throws Exception {
        String before = Files.readString(config);
        CliRun r = replay(capture(), config);
        assertEquals(2, r.exit(), r.out());
        assertEquals("--out: " + config + " is the configuration file (--config " + config
                + "): refusing to overwrite it", r.err().strip());
        assertEquals(before, Files.readString(config));
    }

    @Test
    void aSummaryThatCannotBeWrittenFailsTheRun() throws Exception {
        Writer broken = new Writer() {
            @Override
            public void write(char[] text, int offset, int length) throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public void flush() throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public void close() {
            }
        };
        StringWriter err = new StringWriter();
        CommandLine cli = DispatcherMain.commandLine();
        cli.setOut(new PrintWriter(broken));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute("replay", "--config", config.toString(), "--in", capture().toString(), "--out",
                dir.resolve("out.pcap").toString(), "--mode", "inline");
        assertEquals(1, exit);
        assertEquals("error: cannot write the summary to standard output", err.toString().strip());
    }

    @Test
    void anInputThatIsADirectoryIsRefused() throws Exception {
        CliRun r = replay(dir, dir.resolve("out.pcap"));
        assertEquals(2, r.exit(), r.out());
        assertEquals("--in: " + dir + " is a directory", r.err().strip());
    }

    private static List<String> hex(List<byte[]> frames) {
        return frames.stream().map(HexFormat.of()::formatHex).toList();
    }
}
