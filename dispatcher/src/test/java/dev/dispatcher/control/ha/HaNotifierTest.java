package dev.dispatcher.control.ha;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notify program gets the new state and the reason as its two arguments, one call after the
 * other in the order of the changes; one that fails or is missing is logged and changes nothing.
 */
class HaNotifierTest {
    @TempDir
    Path dir;

    @Test
    void theProgramGetsEveryChangeInOrder() throws Exception {
        Path out = dir.resolve("calls.txt");
        Path script = dir.resolve("notify.sh");
        Files.writeString(script, "#!/bin/sh\nprintf '%s|%s\\n' \"$1\" \"$2\" >> " + out + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        try (HaNotifier notifier = new HaNotifier(Optional.of(script))) {
            notifier.notify("active", "no partner heard within dead-after of the start");
            notifier.notify("standby", "both served the group; the partner ranks higher");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while ((!Files.exists(out) || Files.readAllLines(out).size() < 2) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        assertEquals(List.of("active|no partner heard within dead-after of the start",
                "standby|both served the group; the partner ranks higher"), Files.readAllLines(out));
    }

    @Test
    void aFailingCallDoesNotStopTheNextAndAMissingProgramIsNoError() throws Exception {
        Path out = dir.resolve("calls.txt");
        Path script = dir.resolve("flaky.sh");
        // Fails on its first call, records every later one.
        Files.writeString(script, "#!/bin/sh\n[ -e " + dir.resolve("once") + " ] || { touch " + dir.resolve("once")
                + "; exit 3; }\necho \"$1\" >> " + out + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        try (HaNotifier notifier = new HaNotifier(Optional.of(script))) {
            notifier.notify("active", "first");
            notifier.notify("standby", "second");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!Files.exists(out) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        assertEquals(List.of("standby"), Files.readAllLines(out));
        // A program that is not there is a logged warning on the notifier's thread, never the caller's exception.
        assertDoesNotThrow(() -> {
            try (HaNotifier missing = new HaNotifier(Optional.of(dir.resolve("missing")))) {
                missing.notify("active", "nothing there to run");
            }
        });
    }
}
