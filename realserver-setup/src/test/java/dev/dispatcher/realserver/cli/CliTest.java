package dev.dispatcher.realserver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.realserver.kernel.ProcSys;
import dev.dispatcher.realserver.kernel.ProcessCommandRunner;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The commands against a fake {@code /proc/sys} tree and a fake {@code ip} that prints recorded
 * output and logs any other call: the error conventions and "changes nothing" without root.
 */
class CliTest {
    @TempDir
    Path tmp;
    Path proc;
    Path bin;
    Path ipLog;
    Path status;

    @BeforeEach
    void fakeHost() throws IOException {
        proc = tmp.resolve("proc");
        for (String iface : List.of("all", "default", "lo", "eth1")) {
            for (String name : List.of("arp_ignore", "arp_announce", "rp_filter")) {
                Path file = proc.resolve("net/ipv4/conf/" + iface + "/" + name);
                Files.createDirectories(file.getParent());
                Files.writeString(file, "0\n");
            }
        }
        Files.writeString(proc.resolve("net/ipv4/icmp_echo_ignore_broadcasts"), "1\n");
        bin = Files.createDirectories(tmp.resolve("bin"));
        Path recorded = tmp.resolve("ip-addr-show.json");
        try (InputStream in = CliTest.class.getResourceAsStream("/ip-addr-show.json")) {
            Files.write(recorded, in.readAllBytes());
        }
        ipLog = tmp.resolve("ip.log");
        Path ip = bin.resolve("ip");
        Files.writeString(ip,
                "#!/bin/sh\nif [ \"$1\" = -json ]; then cat '" + recorded + "'; exit 0; fi\necho \"$@\" >> '" + ipLog
                + "'\nexit 0\n");
        Files.setPosixFilePermissions(ip, PosixFilePermissions.fromString("rwxr-xr-x"));
        status = tmp.resolve("status");
        rootStatus(true);
    }

    private void rootStatus(boolean root) throws IOException {
        Files.writeString(status,
                "Name:\tjava\nUid:\t" + (root ? "0\t0\t0\t0" : "1000\t1000\t1000\t1000") + "\nCapEff:\t"
                + (root ? "000001ffffffffff" : "0000000000000000") + "\n");
    }

    private record Run(int exit, String out, String err) {}

    private Run runWithPath(String path, String... args) {
        Environment env = new Environment(new ProcSys(proc), status, path, new ProcessCommandRunner(5_000));
        CommandLine cl = Cli.commandLine(env);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Run run(String... args) {
        return runWithPath(bin.toString(), args);
    }

    private Map<String, String> snapshot() throws IOException {
        Map<String, String> values = new TreeMap<>();
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                values.put(tmp.relativize(p).toString(), Files.readString(p));
            }
        }
        return values;
    }

    private static void assertOneLine(Run run, int exit, String prefix) {
        assertEquals(exit, run.exit(), run.toString());
        assertTrue(run.err().startsWith(prefix), run.err());
        assertEquals(1, run.err().lines().count(), "one line on stderr: " + run.err());
    }

    @Test
    void anInvalidAddressIsAOneLineUsageError() throws IOException {
        Map<String, String> before = snapshot();
        Run run = run("apply", "--vip", "300.1.1.1", "--state-dir", tmp.resolve("state").toString());
        assertOneLine(run, 2,
                "realserver-setup: Invalid value for option '--vip' (ADDRESS): '300.1.1.1' is not an IPv4 address");
        assertTrue(run.err().endsWith("(see 'realserver-setup apply --help')\n"), run.err());
        assertEquals(before, snapshot());
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        assertOneLine(run("apply"), 2, "realserver-setup: apply needs at least one --vip ADDRESS");
        assertOneLine(run("apply", "--vip", "198.18.1.100", "--arp-ignore", "2"), 2,
                "realserver-setup: Invalid value for option '--arp-ignore'");
        assertOneLine(run("check", "--state-dir", tmp.resolve("none").toString()), 2,
                "realserver-setup: check needs --vip ADDRESS");
        assertOneLine(run("frobnicate"), 2, "realserver-setup: Unmatched argument");
        assertOneLine(run(), 2, "realserver-setup: missing COMMAND");
    }

    /**
     * An empty path is the current directory to Path.of: state
     * or boot files would land wherever the shell happens to be.
     */
    @Test
    void anEmptyDirectoryOptionIsAUsageError() throws IOException {
        Map<String, String> before = snapshot();
        for (String command : List.of("status", "check", "plan", "apply", "remove")) {
            assertOneLine(run(command, "--vip", "198.18.1.100", "--state-dir", ""), 2,
                    "realserver-setup: Invalid value for option '--state-dir': the path is empty");
        }
        assertOneLine(run("apply", "--vip", "198.18.1.100", "--persist", "--sysctl-dir", "",
                "--state-dir", tmp.resolve("state").toString()), 2,
                "realserver-setup: Invalid value for option '--sysctl-dir': the path is empty");
        Run blank = run("plan", "--vip", "198.18.1.100", "--persist", "--systemd-dir", " ",
                "--state-dir", tmp.resolve("state").toString());
        assertOneLine(blank, 2, "realserver-setup: Invalid value for option '--systemd-dir'");
        assertTrue(blank.err().contains("the path is empty"), blank.err());
        assertOneLine(run("plan", "--vip", "198.18.1.100", "--persist", "--sysctl-dir", "/etc/\u001b[2J",
                "--state-dir", tmp.resolve("state").toString()),
                2, "realserver-setup: Invalid value for option '--sysctl-dir'");
        assertEquals(before, snapshot());
        assertFalse(Files.exists(Path.of("state.json")), "nothing written to the current directory");
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : List.of("plan", "apply", "check", "remove", "status")) {
            Run run = run(command, "--help");
            assertEquals(0, run.exit());
            assertTrue(run.out().startsWith("Usage: realserver-setup " + command), run.out());
        }
    }

    @Test
    void aMissingIpBinaryIsOneLineAndChangesNothing() throws IOException {
        Map<String, String> before = snapshot();
        Run run = runWithPath(tmp.resolve("empty").toString(), "apply", "--vip", "198.18.1.100",
                "--state-dir", tmp.resolve("state").toString());
        assertOneLine(run, 1, "realserver-setup: error: the ip command (iproute2) is not on PATH");
        assertEquals(before, snapshot());
    }

    @Test
    void missingRootIsOneLineAndChangesNothing() throws IOException {
        rootStatus(false);
        Map<String, String> before = snapshot();
        Run run = run("apply", "--vip", "198.18.1.100", "--state-dir", tmp.resolve("state").toString());
        assertOneLine(run, 1,
                "realserver-setup: error: apply must run as root (effective uid is 1000); nothing was changed");
        assertEquals(before, snapshot());
        assertOneLine(run("remove", "--state-dir", tmp.resolve("state").toString()), 1,
                "realserver-setup: error: remove must run as root");
    }

    @Test
    void planNeedsNoRootAndChangesNothing() throws IOException {
        rootStatus(false);
        Map<String, String> before = snapshot();
        // The recorded ip output has 198.18.1.100/32 scope host on lo already, and 198.18.1.101/24 global on lo.
        Run run = run("plan", "--vip", "198.18.1.101", "--state-dir", tmp.resolve("state").toString());
        assertEquals(0, run.exit(), run.toString());
        assertTrue(run.out().contains("  1. sysctl net.ipv4.conf.all.arp_ignore: 0 -> 3\n"), run.out());
        assertTrue(run.out().contains("ip -4 addr del 198.18.1.101/24 dev lo scope global label lo:7\n"), run.out());
        assertTrue(run.out().contains("ip -4 addr add 198.18.1.101/32 dev lo scope host label lo:2\n"), run.out());
        assertTrue(run.out().endsWith("Nothing was changed (plan only).\n"), run.out());
        assertEquals(before, snapshot());
        assertFalse(Files.exists(ipLog));
        assertEquals(run.out(),
                run("apply", "--dry-run", "--vip", "198.18.1.101",
                        "--state-dir", tmp.resolve("state").toString()).out(),
                "apply --dry-run is the same as plan");
    }

    @Test
    void aVipOnANetworkInterfaceIsRefused() throws IOException {
        Map<String, String> before = snapshot();
        Run run = run("apply", "--vip", "198.18.1.10", "--state-dir", tmp.resolve("state").toString());
        assertOneLine(run, 1, "realserver-setup: error: 198.18.1.10 is configured on eth1 (198.18.1.10/24)");
        assertTrue(run.err().strip().endsWith("nothing was changed"), run.err());
        assertEquals(before.keySet(),
                snapshot().keySet().stream().filter(k -> !k.startsWith("state/"))
                        .collect(java.util.stream.Collectors.toSet()));
        assertFalse(Files.exists(ipLog));
        assertFalse(Files.exists(tmp.resolve("state/state.json")));
    }

    @Test
    void checkReportsEachProblemAndExitsOne() {
        Run run = run("check", "--vip", "198.18.1.100", "--state-dir", tmp.resolve("state").toString());
        assertEquals(1, run.exit());
        assertEquals(List.of(
                "eth1: arp_ignore is 0 (all=0, eth1=0): this host answers ARP for 198.18.1.100",
                "eth1: arp_announce is 0 (all=0, eth1=0): "
                        + "this host may send ARP requests with 198.18.1.100 as sender address,"
                        + " and neighbours then send the VIP's traffic here"), run.out().lines().toList());
        Run json = run("check", "--json", "--vip", "198.18.1.100");
        assertEquals(1, json.exit());
        assertTrue(json.out().startsWith("{\"ok\":false,\"vips\":[\"198.18.1.100\"],"
                + "\"problems\":[{\"kind\":\"arp_ignore\",\"interface\":\"eth1\","), json.out());
    }

    @Test
    void aDeeplyNestedStateFileIsOneLineInEveryCommandThatReadsIt() throws IOException {
        Path state = Files.createDirectories(tmp.resolve("state"));
        Files.writeString(state.resolve("state.json"), "{\"format\": 1, \"vips\": " + "[".repeat(200_000));
        Map<String, String> before = snapshot();
        for (List<String> command : List.of(List.of("status"), List.of("check"),
                List.of("plan", "--vip", "198.18.1.100"),
                List.of("apply", "--vip", "198.18.1.100"), List.of("remove"), List.of("remove", "--dry-run"))) {
            List<String> args = new java.util.ArrayList<>(command);
            args.addAll(List.of("--state-dir", state.toString()));
            Run run = run(args.toArray(String[]::new));
            assertOneLine(run, 1,
                    "realserver-setup: error: state file corrupt: " + state.resolve("state.json") + ": invalid JSON");
            assertTrue(run.err().contains("to recover,"), run.err());
        }
        Map<String, String> after = snapshot();
        after.remove("state/lock"); // remove takes the lock before it reads the state; an empty lock file is no change
        assertEquals(before, after);
        assertFalse(Files.exists(ipLog));
    }

    /**
     * A state file for 198.18.1.100 and 198.18.1.102 as apply --persist
     * would write it, but with the given boot files and sysctl record.
     */
    private Path stateFile(List<String> bootFiles, String sysctlKey) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("state"));
        String files = String.join(", ", bootFiles.stream().map(f -> "\"" + f + "\"").toList());
        Files.writeString(dir.resolve("state.json"), """
                {"format": 1, "written_by": "realserver-setup", "arp_ignore": 3,
                 "vips": ["198.18.1.100", "198.18.1.102"],
                 "sysctls": [{"key": "%s", "original": "8", "applied": "0"}],
                 "added": [{"device": "lo", "address": "198.18.1.100", "prefixlen": 32, "scope": "host",
                            "label": "lo:1"},
                           {"device": "lo", "address": "198.18.1.102", "prefixlen": 32, "scope": "host",
                            "label": "lo:2"}],
                 "replaced": [], "boot_files": [%s]}
                """.formatted(sysctlKey, files));
        return dir.resolve("state.json");
    }

    private Map<String, String> snapshotWithoutLock() throws IOException {
        Map<String, String> files = snapshot();
        files.remove("state/lock"); // remove takes the lock before it reads the state; an empty lock file is no change
        return files;
    }

    @Test
    void aTamperedStateCannotMakeAnyCommandTouchFilesApplyDidNotWrite() throws IOException {
        List<String> victims = new java.util.ArrayList<>();
        for (String name : List.of("passwd", "shadow", "sudoers")) {
            Path victim = Files.createDirectories(tmp.resolve("victims")).resolve(name);
            Files.writeString(victim, "precious " + name + "\n");
            victims.add(victim.toString());
        }
        Path state = stateFile(victims, "net/ipv4/conf/all/arp_ignore");
        Map<String, String> before = snapshot();
        for (List<String> command : List.of(List.of("remove"), List.of("remove", "--vip", "198.18.1.102"),
                List.of("apply", "--vip", "198.18.1.100"), List.of("status"))) {
            List<String> args = new java.util.ArrayList<>(command);
            args.addAll(List.of("--state-dir", state.getParent().toString()));
            assertOneLine(run(args.toArray(String[]::new)), 1,
                    "realserver-setup: error: state file corrupt: " + state + ": boot_files: ");
        }
        assertEquals(before, snapshotWithoutLock());
        assertFalse(Files.exists(ipLog));
    }

    @Test
    void aTamperedSysctlRecordCannotMakeRemoveWriteAnotherSysctl() throws IOException {
        Path state = stateFile(List.of(), "net/ipv4/conf/eth1/arp_ignore");
        Map<String, String> before = snapshot();
        assertOneLine(run("remove", "--state-dir", state.getParent().toString()), 1,
                "realserver-setup: error: state file corrupt: " + state + ": sysctls: ");
        assertEquals("0\n", Files.readString(proc.resolve("net/ipv4/conf/eth1/arp_ignore")),
                "arp_ignore 8 would hide the host itself");
        assertEquals(before, snapshotWithoutLock());
    }

    /**
     * The boot paths are right, but the files there are someone
     * else's: apply refuses to overwrite them, remove leaves them.
     */
    @Test
    void filesAtTheBootPathsThatApplyDidNotWriteAreLeftAlone() throws IOException {
        Path conf = Files.createDirectories(tmp.resolve("etc/sysctl.d")).resolve("95-realserver-setup.conf");
        Path unit = Files.createDirectories(tmp.resolve("etc/systemd")).resolve("realserver-setup.service");
        Path wants = Files.createDirectories(tmp.resolve("etc/systemd/sysinit.target.wants"))
                .resolve("realserver-setup.service");
        Files.writeString(conf, "net.ipv4.ip_forward = 1\n");
        Files.writeString(unit, "[Unit]\nDescription=the packaged unit, copied here by hand\n");
        Files.createSymbolicLink(wants, Path.of("/usr/lib/systemd/system/realserver-setup.service"));
        Path state = stateFile(List.of(conf.toString(), unit.toString(), wants.toString()),
                "net/ipv4/conf/all/arp_ignore");
        String dir = state.getParent().toString();
        Map<String, String> before = snapshot();

        Run apply = run("apply", "--vip", "198.18.1.100", "--state-dir", dir);
        assertOneLine(apply, 1, "realserver-setup: error: " + conf + " exists and apply --persist did not write it");
        assertEquals(before, snapshotWithoutLock());

        Run removeOne = run("remove", "--vip", "198.18.1.102", "--state-dir", dir);
        assertEquals(0, removeOne.exit(), removeOne.toString());
        assertTrue(removeOne.out().contains(conf + " left in place: apply --persist did not write it"),
                removeOne.out());
        assertTrue(removeOne.out().contains(unit + " left in place: apply --persist did not write it"),
                removeOne.out());

        Run remove = run("remove", "--state-dir", dir);
        assertEquals(0, remove.exit(), remove.toString());
        assertTrue(remove.out().contains(wants
                + " left in place: apply --persist did not write it (a symbolic link to /usr/lib/systemd/system/"),
                remove.out());
        assertEquals("net.ipv4.ip_forward = 1\n", Files.readString(conf));
        assertEquals("[Unit]\nDescription=the packaged unit, copied here by hand\n", Files.readString(unit));
        assertEquals(Path.of("/usr/lib/systemd/system/realserver-setup.service"), Files.readSymbolicLink(wants));
        assertFalse(Files.exists(state));
    }

    @Test
    void aStateDirectoryThatIsASymlinkIsOneLineAndReceivesNothing() throws IOException {
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        Path link = Files.createSymbolicLink(tmp.resolve("state"), etc);
        for (String command : List.of("apply", "remove", "status")) {
            assertOneLine(run(command, "--vip", "198.18.1.100", "--state-dir", link.toString()), 1,
                    "realserver-setup: error: the state directory " + link + " is a symbolic link (to " + etc + ")");
        }
        try (Stream<Path> entries = Files.list(etc)) {
            assertEquals(List.of(), entries.toList(), "no state.json or lock in the link's target");
        }
        assertFalse(Files.exists(ipLog));
    }
}
