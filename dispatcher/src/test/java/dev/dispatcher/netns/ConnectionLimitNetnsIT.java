package dev.dispatcher.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * max-connections with real connections: three real servers limited to two each. Six long
 * downloads fill them; a seventh connection gets no server (verdict server_full, logged once,
 * status says "2/2 full"); the downloads still end with every byte; once they end, new
 * connections go through again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionLimitNetnsIT {
    private static final int LIMIT = 2;
    private static final int SERVERS = 3;

    private final LabFixture lab = new LabFixture("dclim");
    private final LabAdmin admin = new LabAdmin(lab);
    /** 1 MiB at 80 KiB/s: about 13 s each. */
    private final PacedDownloads paced = new PacedDownloads(lab, LIMIT * SERVERS, 1, 80);
    private Path token;

    @BeforeAll
    void setUp() throws IOException {
        lab.up();
        token = lab.labDir.resolve("admin.token");
        Files.writeString(token, "lab-token-" + System.nanoTime() + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
    }

    @AfterAll
    void tearDown() {
        lab.down();
    }

    private String config() {
        return """
                interface: eth0
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        protocol: tcp
                        max-connections: %d
                        servers:
                          - address: 198.18.0.11
                          - address: 198.18.0.12
                          - address: 198.18.0.13
                admin:
                  listen: 127.0.0.1:9100
                  token-file: %s
                """.formatted(LIMIT, token);
    }

    private boolean everyServerFull() throws IOException {
        for (JsonNode s : admin.firstPortServers()) {
            if (s.path("activeConnections").asLong() < LIMIT) {
                return false;
            }
        }
        return true;
    }

    @Test
    void serversAtTheirLimitGetNoNewConnectionsUntilTheirOwnEnd() throws Exception {
        lab.startDispatcher("limits", config());
        String expected = paced.expectedSha256();
        List<PacedDownloads.Download> downloads = paced.start();
        StringBuilder report = new StringBuilder();
        try {
            for (int i = 0; i < 100 && !everyServerFull(); i++) {
                Thread.sleep(100);
            }
            for (JsonNode s : admin.firstPortServers()) {
                assertEquals(LIMIT, s.path("activeConnections").asLong(), "each server holds its limit: " + s);
                assertEquals(LIMIT, s.path("maxConnections").asInt(), s.toString());
            }
            Shell.Result status = lab.cli(30, "status");
            assertTrue(status.output().contains(LIMIT + "/" + LIMIT + " full"), status.output());

            Shell.Result refused = lab.inClient(20, "curl -s --max-time 3 http://" + LabFixture.VIP + "/");
            assertTrue(!refused.ok(), "a seventh connection finds no server: " + refused.output());
            assertTrue(admin.metric("dispatcher_dropped_packets_total", "reason=\"server_full\"") >= 1,
                    "its SYNs dropped as server_full");
            for (JsonNode s : admin.firstPortServers()) {
                assertEquals(LIMIT, s.path("activeConnections").asLong(), "no server went past its limit: " + s);
            }

            int good = PacedDownloads.finish(downloads, expected, report);
            assertEquals(LIMIT * SERVERS, good, "the limited servers' own downloads end intact: " + report);
        } finally {
            for (PacedDownloads.Download d : downloads) {
                d.process().destroyForcibly();
            }
        }
        // Below the lower mark (3/4 of 2, so 1: none active) every server takes connections again.
        assertEquals(SERVERS, lab.split(6).size(), "after the downloads every server answers again");
        String log = Files.readString(lab.labDir.resolve("dispatcher.log"));
        assertEquals(1, log.split("new connections refused", -1).length - 1, "logged once:\n" + log);
        System.out.println("ConnectionLimitNetnsIT: " + report.toString().replace('\n', ';') + " server_full drops "
                + (long) admin.metric("dispatcher_dropped_packets_total", "reason=\"server_full\""));
    }
}
