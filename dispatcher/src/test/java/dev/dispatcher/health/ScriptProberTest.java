package dev.dispatcher.health;

import static dev.dispatcher.health.HealthTesting.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScriptProberTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static ProbeResult run(Duration timeout, String... command) {
        return new ScriptProber(List.of(command), timeout).probe(target(8080));
    }

    @Test
    void exitStatusZeroIsUp() {
        ProbeResult result = run(TIMEOUT, "/bin/true");
        assertTrue(result.success());
        assertEquals("exit status 0", result.reason());
    }

    @Test
    void anyOtherExitStatusIsDown() {
        ProbeResult result = run(TIMEOUT, "/bin/false");
        assertFalse(result.success());
        assertEquals("exit status 1", result.reason());
        assertEquals("exit status 2", run(TIMEOUT, "/bin/sh", "-c", "exit 2").reason());
    }

    @Test
    void theTargetIsInTheEnvironment() {
        ProbeResult result = run(TIMEOUT, "/bin/sh", "-c",
                "test \"$SERVER_ADDRESS\" = 127.0.0.1 && test \"$SERVER_PORT\" = 8080 && test \"$VIP\" = 198.18.0.100");
        assertTrue(result.success(), result.reason());
        assertFalse(run(TIMEOUT, "/bin/sh", "-c", "test \"$SERVER_ADDRESS\" = 10.0.0.1").success());
    }

    @Test
    void aScriptRunningPastTheTimeoutIsKilled() {
        long start = System.nanoTime();
        ProbeResult result = run(Duration.ofMillis(300), "/bin/sleep", "10");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertFalse(result.success());
        assertEquals("script timed out after 300 ms", result.reason());
        assertTrue(millis < 5000, "took " + millis + " ms, not the 10 s of the script");
    }

    @Test
    void theScriptsDescendantsAreKilledWithIt(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("child.pid");
        ProbeResult result = run(Duration.ofMillis(500), "/bin/sh", "-c",
                "/bin/sleep 10 & echo $! > " + pidFile + "; wait");
        assertEquals("script timed out after 500 ms", result.reason());
        long child = Long.parseLong(Files.readString(pidFile).trim());
        assertTrue(HealthTesting.await(Duration.ofSeconds(2), () -> !running(child)), "sleep " + child + " killed");
    }

    /** Whether a process exists and is not a zombie (an orphan may wait a while for init to reap it). */
    static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException gone) {
            return false;
        }
    }

    @Test
    void muchOutputNeitherBlocksNorCounts() {
        ProbeResult result = run(TIMEOUT, "/bin/sh", "-c", "head -c 20000000 /dev/zero; head -c 1000000 /dev/zero >&2");
        assertTrue(result.success(), result.reason());
    }

    @Test
    void aMissingCommandIsDown(@TempDir Path dir) throws IOException {
        ProbeResult result = run(TIMEOUT, "/nonexistent/check-health");
        assertFalse(result.success());
        assertEquals("cannot run /nonexistent/check-health: no such file", result.reason());
        Path text = Files.writeString(dir.resolve("check.txt"), "not a program");
        Files.setPosixFilePermissions(text, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("cannot run " + text + ": not an executable file", run(TIMEOUT, text.toString()).reason());
        assertEquals("cannot run " + dir + ": not an executable file", run(TIMEOUT, dir.toString()).reason());
    }

    @Test
    void theProgramMustBeAnAbsolutePath() {
        assertThrows(IllegalArgumentException.class, () -> new ScriptProber(List.of("true"), TIMEOUT));
        assertThrows(IllegalArgumentException.class, () -> new ScriptProber(List.of(), TIMEOUT));
    }

    // ---------------------------------------------------------------------------- capabilities

    /** CAP_NET_ADMIN (12) and CAP_NET_RAW (13), as /proc/PID/status shows them. */
    private static final long NET_ADMIN_AND_NET_RAW = 0x3000;
    private static final int CAP_SETPCAP = 8;
    private static final List<String> EMPTY_SETS = List.of("CapInh", "CapPrm", "CapEff", "CapAmb");

    /**
     * The script reports its own process's capability sets. As root (CI) the test JVM holds every
     * capability, and a script started as before (inheriting them) showed them all.
     */
    @Test
    void theScriptRunsWithoutCapabilities(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("status");

        ProbeResult result = run(TIMEOUT, "/bin/sh", "-c", "cat /proc/$$/status > " + out);

        assertTrue(result.success(), result.reason());
        Map<String, String> status = CapabilityDrop.parseStatus(Files.readString(out));
        for (String set : EMPTY_SETS) {
            assertEquals(0L, hex(status.get(set)), set + " of the script: " + capabilities(status));
        }
        assertEquals("1", status.get("NoNewPrivs"), "no setuid or file-capability program gives any back");
        if ((hex(ownStatus().get("CapEff")) >>> CAP_SETPCAP & 1) == 1) {
            assertEquals(0L, hex(status.get("CapBnd")), "this process may empty the bounding set, so it does");
        }
    }

    /**
     * The service's situation: an unprivileged user whose JVM holds CAP_NET_RAW and CAP_NET_ADMIN
     * in its ambient set (as systemd's AmbientCapabilities gives them), so a child inherits them
     * across exec. A child JVM set up so by setpriv runs a script advisor; the script must see
     * none of them. Needs root to set that up; fails under CI=true without it.
     */
    @Test
    void aParentWithAmbientCapabilitiesPassesNoneToTheScript(@TempDir Path dir) throws Exception {
        boolean root = "0".equals(ownStatus().get("Uid").split("\\s+")[0]);
        boolean setpriv = CapabilityDrop.find(System.getenv("PATH")).isPresent();
        if (!root || !setpriv) {
            String why = !root ? "not root (setting up a parent with ambient capabilities needs it)" : "no setpriv";
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but this test cannot run: " + why);
            }
            assumeTrue(false, "skipped: " + why);
        }
        // Only what the child needs, where the unprivileged user can read it (target/ may not be).
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path classes = dir.resolve("classes");
        Path main = Path.of(ScriptProber.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path test = Path.of(ServiceLikeParent.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        copyTree(main.resolve("dev/dispatcher/health"), classes.resolve("dev/dispatcher/health"));
        copyTree(main.resolve("dev/dispatcher/config"), classes.resolve("dev/dispatcher/config"));
        String parentClass = ServiceLikeParent.class.getName().replace('.', '/') + ".class";
        Files.copy(test.resolve(parentClass), classes.resolve(parentClass), StandardCopyOption.REPLACE_EXISTING);
        try (Stream<Path> paths = Files.walk(classes)) {
            for (Path p : paths.toList()) {
                Files.setPosixFilePermissions(p,
                        PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Path out = Files.createDirectory(dir.resolve("out"));
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
        String caps = "-all,+net_raw,+net_admin";
        List<String> command = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=" + caps, "--ambient-caps=" + caps, "--bounding-set=" + caps, "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData", "-Xshare:off",
                "-cp", classes.toString(), ServiceLikeParent.class.getName(), out.toString());

        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM finished");

        assertEquals(0, child.exitValue(), String.join(" ", command) + ":\n" + output);
        Map<String, String> parent = CapabilityDrop.parseStatus(Files.readString(out.resolve("parent")));
        assertEquals(NET_ADMIN_AND_NET_RAW, hex(parent.get("CapAmb")), "the parent's set-up: " + capabilities(parent));
        assertEquals(NET_ADMIN_AND_NET_RAW, hex(parent.get("CapEff")), "the parent's set-up: " + capabilities(parent));
        Map<String, String> script = CapabilityDrop.parseStatus(Files.readString(out.resolve("script")));
        for (String set : EMPTY_SETS) {
            assertEquals(0L, hex(script.get(set)), set + " of the script: " + capabilities(script));
        }
        assertEquals("1", script.get("NoNewPrivs"));
    }

    /** Main of the child JVM above: records its own status, then probes with a script that records its. */
    static final class ServiceLikeParent {
        private ServiceLikeParent() {
        }

        public static void main(String[] args) throws IOException {
            Path out = Path.of(args[0]);
            Files.copy(Path.of("/proc/self/status"), out.resolve("parent"));
            ProbeResult result = new ScriptProber(List.of("/bin/sh", "-c",
                    "cat /proc/$$/status > " + out.resolve("script")),
                    Duration.ofSeconds(10)).probe(new ProbeTarget(0x7F000001, 8080, 0xC6120064, "t"));
            System.out.println(result.reason());
            System.exit(result.success() ? 0 : 1);
        }
    }

    @Test
    void withoutSetprivNoScriptRunsAndTheReasonSaysSo(@TempDir Path dir) {
        Path ran = dir.resolve("ran");
        ScriptProber prober = new ScriptProber(List.of("/bin/sh", "-c", "touch " + ran), TIMEOUT,
                () -> CapabilityDrop.check(Optional.empty()));

        ProbeResult result = prober.probe(target(8080));

        assertFalse(result.success());
        assertEquals("not run: setpriv (util-linux) not found on PATH, /usr/bin or /bin; scripts are not run with"
                + " the dispatcher's capabilities", result.reason());
        assertFalse(Files.exists(ran), "the script did not run");
    }

    /** A "setpriv" that only runs the command, keeping everything: the check catches it. */
    @Test
    void aSetprivThatDropsNothingIsCaught(@TempDir Path dir) throws IOException {
        Path fake = dir.resolve("setpriv");
        Files.writeString(fake, "#!/bin/sh\nwhile [ \"$1\" != -- ]; do shift; done\nshift\nexec \"$@\"\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        Path ran = dir.resolve("ran");
        CapabilityDrop drop = CapabilityDrop.check(CapabilityDrop.find(dir.toString()));

        ProbeResult result = new ScriptProber(List.of("/bin/sh", "-c", "touch " + ran), TIMEOUT, () -> drop)
                .probe(target(8080));

        assertFalse(result.success());
        assertTrue(result.reason().startsWith("not run: setpriv left the child capabilities ("), result.reason());
        assertTrue(result.reason().contains("NoNewPrivs=0"), result.reason());
        assertFalse(Files.exists(ran), "the script did not run");
    }

    @Test
    void setprivIsLookedUpOnPathThenInTheSystemDirectories(@TempDir Path dir) throws IOException {
        Path own = Files.createFile(dir.resolve("setpriv"));
        Files.setPosixFilePermissions(own, PosixFilePermissions.fromString("rwx------"));
        assertEquals(Optional.of(own), CapabilityDrop.find("relative/dir:/nonexistent:" + dir));
        Optional<Path> system = Stream.of("/usr/bin/setpriv", "/bin/setpriv").map(Path::of).filter(Files::isExecutable)
                .findFirst();
        assertEquals(system, CapabilityDrop.find("/nonexistent"));
        assertEquals(system, CapabilityDrop.find(null));
    }

    private static Map<String, String> ownStatus() throws IOException {
        return CapabilityDrop.parseStatus(Files.readString(Path.of("/proc/self/status")));
    }

    private static Map<String, String> capabilities(Map<String, String> status) {
        Map<String, String> shown = new java.util.TreeMap<>(status);
        shown.keySet().removeIf(key -> !key.startsWith("Cap") && !key.equals("NoNewPrivs") && !key.equals("Uid"));
        return shown;
    }

    private static long hex(String value) {
        return Long.parseUnsignedLong(value, 16);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        List<Path> files;
        try (Stream<Path> paths = Files.walk(from)) {
            files = new ArrayList<>(paths.toList());
        }
        for (Path p : files) {
            Path target = to.resolve(from.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(target);
            } else {
                Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
