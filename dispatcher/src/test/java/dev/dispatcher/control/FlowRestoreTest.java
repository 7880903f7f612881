package dev.dispatcher.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.core.FlowKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start's reading of the last stop's snapshot: flows of pairs that still exist come back aged
 * by the time that passed, each in the share of the worker that owns it; flows of servers no
 * longer configured, flows that expired meanwhile and entries no flow table could hold are
 * skipped and counted by reason; an unusable file restores nothing and says why.
 */
class FlowRestoreTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long NOW = 1_800_000_000_000L;

    @TempDir
    Path dir;

    private DispatcherConfig config(String servers, String restore) throws Exception {
        Path file = dir.resolve("dispatcher.yaml");
        Files.writeString(file, """
                interface: eth0
                state-dir: %s
                flow-table:
                  restore: %s
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        protocol: tcp
                        servers:
                %s
                """.formatted(dir.resolve("state"), restore, servers));
        return ConfigLoader.load(file);
    }

    private static String servers(String... addresses) {
        StringBuilder b = new StringBuilder();
        for (String a : addresses) {
            b.append("                      - address: ").append(a).append('\n');
        }
        return b.toString();
    }

    private static ControlPlane control(DispatcherConfig config) {
        return new ControlPlane(config, "eth0", 0x020000000002L, 0xC6120002, 1500);
    }

    private static FlowSnapshot.Entry entry(long fingerprint, FlowKey key, int state, long lifetimeNanos) {
        return new FlowSnapshot.Entry(fingerprint, key.sourceHigh(), key.sourceLow(), key.destinationHigh(),
                key.destinationLow(), key.portsWord(), state, lifetimeNanos);
    }

    /** A valid snapshot in the configured state directory: one flow of the control plane's first pair. */
    private Path snapshotOfOneFlow(ControlPlane control) throws Exception {
        Path file = dir.resolve("state").resolve(FlowSnapshot.FILE_NAME);
        long fingerprint = control.pairsByFingerprint().keySet().iterator().next();
        FlowSnapshot.write(file, NOW, 1, sink -> sink.accept(entry(fingerprint, client(1), 2, 100 * SECOND)));
        return file;
    }

    private static FlowKey client(int i) {
        return new FlowKey().ipv4(0xC6120000 | (1000 + i), 0xC6120064, 20000 + i, 80, 6);
    }

    @Test
    void flowsComeBackAgedToTheirOwnersAndTheRestIsCountedByReason() throws Exception {
        DispatcherConfig before = config(servers("198.18.0.11", "198.18.0.12", "198.18.0.13"), "true");
        Map<Long, Integer> oldPairs = control(before).pairsByFingerprint();
        List<Long> fingerprints = new ArrayList<>(oldPairs.keySet());
        List<FlowSnapshot.Entry> saved = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            saved.add(entry(fingerprints.get(i % 3), client(i), FlowState.TCP_ESTABLISHED, 100 * SECOND));
        }
        saved.add(entry(fingerprints.get(0), client(300), FlowState.TCP_SYN, 2 * SECOND));
        saved.add(entry(fingerprints.get(0), client(301), 9, 100 * SECOND));
        saved.add(entry(fingerprints.get(0), client(302).ipv4(0xC6120001, 0xC6120064, 1, 80, 1),
                FlowState.UDP, 100 * SECOND));
        Path file = dir.resolve("state").resolve(FlowSnapshot.FILE_NAME);
        FlowSnapshot.write(file, NOW, saved.size(), sink -> saved.forEach(sink));

        // Restarted with 198.18.0.12 gone and the others listed in another order.
        DispatcherConfig after = config(servers("198.18.0.13", "198.18.0.11"), "true");
        ControlPlane control = control(after);
        long gone = control.pairsByFingerprint().containsKey(fingerprints.get(0)) ? 0 : 1;
        FlowRestore restore = FlowRestore.load(after, control, 2, NOW + 5000);
        FlowRestore.Report report = restore.report();

        long stillThere = fingerprints.stream().filter(control.pairsByFingerprint()::containsKey).count();
        assertEquals(2, stillThere, "one of three pairs left");
        assertEquals(200, report.restored(), report.note());
        assertEquals(5000, report.snapshotAgeMillis());
        assertEquals(100L + (gone == 1 ? 1 : 0), report.skipped().get("pair_gone"), report.skipped().toString());
        assertEquals(gone == 1 ? null : 1L, report.skipped().get("expired"), report.skipped().toString());
        assertEquals(2L, report.skipped().get("invalid"), "an unknown state and a protocol without ports");
        int handed = 0;
        for (int w = 0; w < 2; w++) {
            for (FlowRestore.Flow f : restore.flowsOf(w)) {
                handed++;
                assertEquals(w, f.key().shard(2), "handed to the worker that owns it: " + f.key());
                assertEquals(95 * SECOND, f.lifetimeNanos(), "aged by the 5 s that passed");
                int i = f.key().sourcePort() - 20000;
                assertEquals(control.pairsByFingerprint().get(fingerprints.get(i % 3)), f.pair(),
                        "the pair this process gives the flow's (service, server): " + f.key());
            }
        }
        assertEquals(200, handed);
        assertTrue(restore.inboxCapacity() >= 100, "an inbox holds the larger share: " + restore.inboxCapacity());
    }

    @Test
    void aDamagedSnapshotRestoresNothingAndSaysWhy() throws Exception {
        DispatcherConfig config = config(servers("198.18.0.11"), "true");
        ControlPlane control = control(config);
        Path file = snapshotOfOneFlow(control);
        byte[] bytes = Files.readAllBytes(file);
        bytes[30] ^= 1;
        Files.write(file, bytes);
        FlowRestore.Report report = FlowRestore.load(config, control, 1, NOW).report();
        assertEquals(0, report.restored());
        assertEquals(Map.of("corrupt", 1L), report.skipped());
        assertTrue(report.note().contains("checksum"), report.note());
    }

    @Test
    void restoreOffReadsNothing() throws Exception {
        DispatcherConfig config = config(servers("198.18.0.11"), "false");
        ControlPlane control = control(config);
        snapshotOfOneFlow(control);
        FlowRestore.Report report = FlowRestore.load(config, control, 1, NOW).report();
        assertEquals(0, report.restored());
        assertTrue(report.note().contains("restore: false"), report.note());
    }
}
