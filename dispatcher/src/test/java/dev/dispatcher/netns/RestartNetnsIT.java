package dev.dispatcher.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Connections survive a restart of the dispatcher. Twenty downloads, rate-limited so that each
 * lasts well over ten seconds, run through the VIP while the dispatcher process is stopped and a
 * new one started; every download must end with every byte (SHA-256 of the body equal to the one
 * the server computes from its own generator).
 * <ul>
 *   <li>SIGTERM, {@code wrr} port: the stop saves the flow table, the start restores it; no
 *       segment of the downloads misses the new table.</li>
 *   <li>SIGTERM, {@code maglev} port: the same.</li>
 *   <li>SIGKILL, {@code maglev} port: nothing is saved; the new process places each segment
 *       without SYN by the Maglev table, which sends it where the old process did.</li>
 *   <li>A damaged snapshot (a flipped byte, a cut file, another version) is ignored: the start
 *       is clean, forwards, and says why in its log, its status and its metrics.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestartNetnsIT {
    private static final int DOWNLOADS = 20;
    private static final int MIB = 6;
    /** 6 MiB at 384 KiB/s: 16 s without the restart. */
    private static final int KIBPS = 384;
    private static final Pattern SAMPLE = Pattern.compile("(?m)^(\\w+)(\\{[^}]*\\})? (\\S+)$");

    private final LabFixture lab = new LabFixture("drst");
    private final PacedDownloads paced = new PacedDownloads(lab, DOWNLOADS, MIB, KIBPS);
    private final ObjectMapper json = new ObjectMapper();
    private Path token;
    private Path stateDir;

    @BeforeAll
    void setUp() throws IOException {
        lab.up();
        token = lab.labDir.resolve("admin.token");
        Files.writeString(token, "lab-token-" + System.nanoTime() + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        stateDir = lab.labDir.resolve("state");
    }

    @AfterAll
    void tearDown() {
        lab.down();
    }

    private String config(String scheduler) {
        return """
                interface: eth0
                state-dir: %s
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        protocol: tcp
                        scheduler: %s
                        servers:
                          - address: 198.18.0.11
                            weight: 3
                          - address: 198.18.0.12
                            weight: 2
                          - address: 198.18.0.13
                            weight: 1
                admin:
                  listen: 127.0.0.1:9100
                  token-file: %s
                """.formatted(stateDir, scheduler, token);
    }

    private Path snapshot() {
        return stateDir.resolve("flows.snapshot");
    }

    private String adminGet(String path) {
        Shell.Result r = lab.inNamespace(lab.disp(), 15, List.of("curl", "-s", "--max-time", "10",
                "http://127.0.0.1:9100" + path));
        assertTrue(r.ok(), path + ": " + r.output());
        return r.output();
    }

    /** The sum of a metric's samples whose labels contain {@code labelPart} ("" for all). */
    private double metric(String name, String labelPart) {
        double sum = 0;
        Matcher m = SAMPLE.matcher(adminGet("/metrics"));
        while (m.find()) {
            if (m.group(1).equals(name) && (m.group(2) == null ? "" : m.group(2)).contains(labelPart)) {
                sum += Double.parseDouble(m.group(3));
            }
        }
        return sum;
    }

    private JsonNode status() throws IOException {
        String out = adminGet("/status");
        return json.readTree(out.substring(out.indexOf('{')));
    }

    /** Servers with at least one active connection, from the status. */
    private int busyServers() throws IOException {
        int busy = 0;
        for (JsonNode s : status().path("clusters").get(0).path("ports").get(0).path("servers")) {
            busy += s.path("activeConnections").asLong() > 0 ? 1 : 0;
        }
        return busy;
    }

    /** Twenty downloads across a restart by {@code signal}; returns the report line for the log. */
    private void downloadsSurvive(String scheduler, String signal) throws Exception {
        String yaml = config(scheduler);
        lab.startDispatcher("restart-" + scheduler, yaml);
        String expected = paced.expectedSha256();
        List<PacedDownloads.Download> downloads = paced.start();
        StringBuilder report = new StringBuilder();
        try {
            Thread.sleep(3000);
            for (PacedDownloads.Download d : downloads) {
                assertTrue(d.process().isAlive(), () -> "a download ended before the restart: " + d.output());
            }
            assertTrue(busyServers() >= 2, "the downloads are spread over the servers");
            long stopped = System.nanoTime();
            if (signal.equals("KILL")) {
                String pid = Files.readString(lab.labDir.resolve("dispatcher.pid")).strip();
                assertTrue(Shell.run(10, lab.env, List.of("kill", "-KILL", pid)).ok());
                for (int i = 0; i < 50 && Files.exists(Path.of("/proc", pid)); i++) {
                    Thread.sleep(100);
                }
            }
            lab.startDispatcher("restart-" + scheduler, yaml);
            report.append(String.format("SIG%s to the new process answering ARP: %.1f s%n", signal,
                    (System.nanoTime() - stopped) / 1e9));
            int good = PacedDownloads.finish(downloads, expected, report);
            String log = lab.dispatcherLog();
            assertEquals(DOWNLOADS, good, scheduler + ", SIG" + signal + ": downloads with every byte\n" + report
                    + log);
            double restored = metric("dispatcher_flows_restored_total", "");
            double lost = metric("dispatcher_flow_lookups_total", "miss_no_syn");
            report.append("restored ").append((long) restored).append(", segments without SYN that missed ")
                    .append((long) lost);
            System.out.println("RestartNetnsIT " + scheduler + " SIG" + signal + ": " + good + "/" + DOWNLOADS
                    + " complete; " + report.toString().replace('\n', ';'));
            if (signal.equals("TERM")) {
                assertTrue(restored >= DOWNLOADS, "every download's flow restored: " + report + "\n" + log);
                assertEquals(0, lost, "every segment found its restored flow: " + report);
            } else {
                assertEquals(0, restored, "SIGKILL leaves no snapshot to restore: " + log);
                assertTrue(lost >= DOWNLOADS, "the downloads' segments were placed by the Maglev table: " + report);
            }
        } finally {
            for (PacedDownloads.Download d : downloads) {
                d.process().destroyForcibly();
            }
        }
    }

    @Test
    @Order(1)
    void twentyDownloadsSurviveSigtermOnAWrrPort() throws Exception {
        downloadsSurvive("wrr", "TERM");
    }

    @Test
    @Order(2)
    void twentyDownloadsSurviveSigtermOnAMaglevPort() throws Exception {
        downloadsSurvive("maglev", "TERM");
    }

    @Test
    @Order(3)
    void twentyDownloadsSurviveSigkillOnAMaglevPort() throws Exception {
        downloadsSurvive("maglev", "KILL");
    }

    /** Stops with SIGTERM (a snapshot of a few flows), damages it, starts: clean, and says why. */
    private void damagedSnapshotStartsClean(String what, String reason, String inLog,
                                            java.util.function.UnaryOperator<byte[]> damage) throws Exception {
        String yaml = config("wrr");
        lab.startDispatcher("damaged", yaml);
        assertEquals(6, lab.split(6).values().stream().mapToInt(Integer::intValue).sum(), "traffic before");
        lab.stopDispatcher();
        assertTrue(Files.isRegularFile(snapshot()), "SIGTERM saved a snapshot\n" + lab.dispatcherLog());
        Files.write(snapshot(), damage.apply(Files.readAllBytes(snapshot())));

        lab.startDispatcher("damaged", yaml);
        String log = lab.dispatcherLog();
        assertTrue(log.contains("flow snapshot ignored, starting with an empty flow table") && log.contains(inLog),
                what + ": the log says why\n" + log);
        JsonNode status = status();
        assertEquals(0, status.path("flowsRestored").asLong(), status.toString());
        assertTrue(status.path("restoreNote").asText().contains(inLog), what + ": " + status.path("restoreNote"));
        assertEquals(1, metric("dispatcher_flow_restore_skipped_total", "reason=\"" + reason + "\""),
                what + ": counted as " + reason);
        assertEquals(6, lab.split(6).values().stream().mapToInt(Integer::intValue).sum(), what + ": traffic after");
    }

    @Test
    @Order(4)
    void aSnapshotWithAFlippedByteStartsCleanAndSaysWhy() throws Exception {
        damagedSnapshotStartsClean("flipped byte", "corrupt", "fails its checksum", bytes -> {
            bytes[bytes.length - 10] ^= 0x01;
            return bytes;
        });
    }

    @Test
    @Order(5)
    void aTruncatedSnapshotStartsCleanAndSaysWhy() throws Exception {
        damagedSnapshotStartsClean("truncated", "truncated", "bytes, a snapshot of",
                bytes -> Arrays.copyOf(bytes, bytes.length - 7));
    }

    @Test
    @Order(6)
    void aSnapshotOfAnotherVersionStartsCleanAndSaysWhy() throws Exception {
        damagedSnapshotStartsClean("another version", "version", "snapshot version 99", bytes -> {
            ByteBuffer.wrap(bytes).putInt(8, 99);
            return bytes;
        });
    }
}
