package dev.dispatcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.testing.Frames;
import dev.dispatcher.testing.PcapFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: exit codes, one-line errors, nothing started on bad input. */
class DispatcherCliTest {
    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    private Path config(String yaml) throws Exception {
        Path file = dir.resolve("dispatcher.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static final String GOOD = """
            interface: nosuchif0
            clusters:
              - address: 198.18.0.100
                ports:
                  - port: 80
                    servers:
                      - address: 198.18.0.11
                        weight: 1
                        mac: 02:00:00:00:00:11
            """;

    @Test
    void checkConfigAcceptsAGoodFile() throws Exception {
        CliRun r = run("check-config", config(GOOD).toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("OK"), r.out());
    }

    @Test
    void checkConfigNamesFileLineAndFieldAndExitsTwo() throws Exception {
        Path file = config(GOOD.replace("weight: 1", "weight: -1"));
        CliRun r = run("check-config", file.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("dispatcher.yaml:8:"), r.err());
        assertTrue(r.err().contains("clusters[0].ports[0].servers[0].weight"), r.err());
    }

    /**
     * Issue 10's reproductions through the command itself: a merge key that refers to its own
     * mapping looped for ever, and devices were read without end. The timeout only guards the
     * suite against a hang; each must end with exit 2, its error naming the file, and the summary.
     */
    @Test
    void checkConfigRefusesHostileFilesInsteadOfHanging() throws Exception {
        Path merge = config("interface: eth0\nx: &a\n  <<: *a\n");
        for (String file : List.of(merge.toString(), "/dev/zero", "/dev/urandom")) {
            CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> run("check-config", file), file);
            assertEquals(2, r.exit(), file + ": " + r.err());
            String summary = "1 error(s) in " + file + "; nothing started";
            assertEquals(List.of(r.err().lines().findFirst().orElseThrow(), summary), r.err().strip().lines().toList());
            assertTrue(r.err().startsWith(file + ":"), r.err());
        }
        assertTrue(run("check-config", merge.toString()).err().contains("alias *a is used inside the node &a"));
        assertTrue(run("check-config", "/dev/zero").err().contains("is not a regular file"));
    }

    @Test
    void runWithAnInvalidConfigStartsNothing() throws Exception {
        CliRun r = run("run", "--config", config(GOOD.replace("port: 80", "port: 99999")).toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("clusters[0].ports[0].port"), r.err());
        assertTrue(r.err().contains("nothing started"), r.err());
    }

    @Test
    void runOnAnUnknownInterfaceIsAOneLineError() throws Exception {
        CliRun r = run("run", "--config", config(GOOD).toString());
        assertEquals(1, r.exit());
        assertEquals("error: interface nosuchif0 does not exist (config key `interface`; see `ip link show`)",
                r.err().strip());
    }

    @Test
    void replayRunsOfflineAndReportsVerdicts() throws Exception {
        Path in = dir.resolve("in.pcap");
        Path out = dir.resolve("out.pcap");
        PcapFiles.write(in, List.of(new Frames.Tcp().build(), Frames.raw(Frames.CLIENT_MAC, Frames.DISPATCHER_MAC,
                0x86DD, new byte[40])));
        CliRun r = run("replay", "--config", config(GOOD).toString(), "--in", in.toString(), "--out", out.toString(),
                "--mode", "inline");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("received 2, forwarded 1, passed 1, dropped 0"), r.out());
        List<byte[]> frames = PcapFiles.read(out);
        assertEquals(1, frames.size());
        assertEquals(java.util.HexFormat.of().formatHex(new Frames.Tcp().macs(Frames.DISPATCHER_MAC, Frames.RS1_MAC)
                .build()), java.util.HexFormat.of().formatHex(frames.getFirst()));
    }

    @Test
    void replayOfAMissingFileIsAClearError() throws Exception {
        CliRun r = run("replay", "--config", config(GOOD).toString(), "--in", dir.resolve("none.pcap").toString(),
                "--out", dir.resolve("out.pcap").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("error: cannot read pcap file"), r.err());
    }

    @Test
    void badFlagsNameTheFlag() throws Exception {
        CliRun r = run("replay", "--config", config(GOOD).toString(), "--in", "a", "--out", "b", "--mac", "zz");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--mac"), r.err());
        CliRun mode = run("replay", "--config", config(GOOD).toString(), "--in", "a", "--out", "b", "--mode", "fast");
        assertEquals(2, mode.exit());
        assertTrue(mode.err().contains("--mode"), mode.err());
    }

    @Test
    void replayRefusesAMacThatCannotBeOurs() throws Exception {
        Path in = dir.resolve("in.pcap");
        PcapFiles.write(in, List.of(new Frames.Tcp().build()));
        Path out = dir.resolve("out.pcap");
        for (String[] c : new String[][] {
            {"ff:ff:ff:ff:ff:ff", "(the group bit of the first octet is set: multicast)"},
            {"01:00:5e:00:00:01", "(the group bit of the first octet is set: multicast)"},
            {"00:00:00:00:00:00", "(all zeros)"}}) {
            CliRun r = run("replay", "--config", config(GOOD).toString(), "--in", in.toString(),
                    "--out", out.toString(), "--mac", c[0]);
            assertEquals(2, r.exit(), c[0] + ": " + r.out() + r.err());
            assertEquals("--mac: must be a unicast MAC address, found " + c[0] + " " + c[1], r.err().strip());
            assertFalse(Files.exists(out), "nothing written for --mac " + c[0]);
        }
    }

    @Test
    void replayRefusesAnOwnAddressThatCannotBeAHost() throws Exception {
        Path in = dir.resolve("in.pcap");
        PcapFiles.write(in, List.of(new Frames.Tcp().build()));
        Path out = dir.resolve("out.pcap");
        for (String[] c : new String[][] {
            {"255.255.255.255", "the limited broadcast address"},
            {"224.0.0.1", "multicast, 224.0.0.0/4"},
            {"127.0.0.1", "loopback, 127.0.0.0/8"}}) {
            CliRun r = run("replay", "--config", config(GOOD).toString(), "--in", in.toString(),
                    "--out", out.toString(), "--ip", c[0]);
            assertEquals(2, r.exit(), c[0] + ": " + r.out() + r.err());
            assertEquals("--ip: must be a unicast address or 0.0.0.0, found " + c[0] + " (" + c[1] + ")",
                    r.err().strip());
            assertFalse(Files.exists(out), "nothing written for --ip " + c[0]);
        }
        CliRun unspecified = run("replay", "--config", config(GOOD).toString(), "--in", in.toString(), "--out",
                out.toString(), "--ip", "0.0.0.0", "--mode", "inline");
        assertEquals(0, unspecified.exit(), "0.0.0.0 (the default: no address of our own) " + unspecified.err());
    }

    @Test
    void versionAndHelp() {
        CliRun v = run("--version");
        assertEquals(0, v.exit());
        assertTrue(v.out().startsWith("dispatcher "), v.out());
        CliRun h = run("run", "--help");
        assertEquals(0, h.exit());
        assertTrue(h.out().contains("--config"), h.out());
    }
}
