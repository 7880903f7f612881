package dev.dispatcher.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGHUP reloads in a real process, also one started with SIGHUP ignored (as {@code nohup} does):
 * the JVM then installs no handler and says nothing, so without {@link HangupDisposition} the
 * signal was silently lost (seen: the suite run under nohup, every SIGHUP reload test failed).
 */
class ReloadSignalTest {
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aHangupReachesTheHandler(boolean startedIgnored) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // env sets the disposition either way, whatever this JVM inherited (the suite itself may
        // run under nohup, which a shell's trap cannot undo).
        List<String> command = new ArrayList<>(List.of("env",
                startedIgnored ? "--ignore-signal=HUP" : "--default-signal=HUP", java,
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ReloadSignalProbe.class.getName()));
        Process probe = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(probe.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertEquals("ignored before: " + startedIgnored, readLineSkippingLogs(out));
            assertEquals("installed: true, ignored after: false", readLineSkippingLogs(out));
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(probe.pid())).start();
            assertEquals(0, kill.waitFor());
            assertEquals("reloaded", readLineSkippingLogs(out));
        } finally {
            probe.destroyForcibly();
        }
        assertTrue(probe.waitFor(30, TimeUnit.SECONDS));
    }

    /** The probe's own lines; the dispatcher's log lines (with a timestamp) are skipped. */
    private static String readLineSkippingLogs(BufferedReader out) throws Exception {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (!line.matches("^\\d{4}-\\d\\d-\\d\\dT.*")) {
                return line;
            }
        }
        return "(the probe ended)";
    }
}
