package dev.dispatcher.health;

import static dev.dispatcher.health.HealthTesting.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    void aMissingCommandIsDown() {
        ProbeResult result = run(TIMEOUT, "/nonexistent/check-health");
        assertFalse(result.success());
        assertTrue(result.reason().startsWith("cannot run /nonexistent/check-health: "), result.reason());
    }
}
