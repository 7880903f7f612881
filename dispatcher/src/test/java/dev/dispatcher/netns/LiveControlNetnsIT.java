package dev.dispatcher.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What an operator does every day, on the real lab: health advisors take a stopped server out and
 * bring it back, weights change live from the CLI, a drain waits for a long download, an invalid
 * reload changes nothing, and changes need the admin token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveControlNetnsIT {
    private static final String SERVICE = LabFixture.VIP + ":80";
    /** Advisor timing of this test's configuration: detection bound = interval x fall + timeout. */
    private static final long INTERVAL_MS = 500;
    private static final long TIMEOUT_MS = 500;
    private static final int RISE = 2;
    private static final int FALL = 2;

    private final LabFixture lab = new LabFixture("dlctl");
    private final ObjectMapper json = new ObjectMapper();
    private Path token;
    private Path config;
    private String configText;

    @BeforeAll
    void setUp() throws IOException {
        lab.up();
        token = lab.labDir.resolve("admin.token");
        Files.writeString(token, "lab-token-" + System.nanoTime() + "\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        configText = """
                interface: eth0
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        protocol: tcp
                        on-server-down: reset
                        advisor:
                          type: http
                          path: /
                          expect-status: [200]
                          interval: %dms
                          timeout: %dms
                          rise: %d
                          fall: %d
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
                """.formatted(INTERVAL_MS, TIMEOUT_MS, RISE, FALL, token);
        config = lab.startDispatcher("live", configText);
    }

    @AfterAll
    void tearDown() {
        lab.down();
    }

    private Shell.Result change(String... args) {
        String[] full = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
                java.util.stream.Stream.of("--token-file", token.toString())).toArray(String[]::new);
        return lab.cli(60, full);
    }

    private JsonNode server(String address) throws IOException {
        Shell.Result r = lab.cli(30, "status", "--json");
        assertTrue(r.ok(), r.output());
        JsonNode root = json.readTree(r.output().substring(r.output().indexOf('{')));
        for (JsonNode s : root.path("clusters").get(0).path("ports").get(0).path("servers")) {
            if (s.path("address").asText().equals(address)) {
                return s;
            }
        }
        throw new AssertionError("no server " + address + " in " + r.output());
    }

    private static void assertSplit(Map<String, Integer> counts, Map<String, Integer> weights, int total) {
        int sum = weights.values().stream().mapToInt(Integer::intValue).sum();
        assertEquals(total, counts.values().stream().mapToInt(Integer::intValue).sum(), "answers: " + counts);
        for (var w : weights.entrySet()) {
            int expected = total * w.getValue() / sum;
            int got = counts.getOrDefault(w.getKey(), 0);
            assertTrue(Math.abs(got - expected) <= Math.max(1, expected * 3 / 100),
                    w.getKey() + " got " + got + ", expected " + expected + " within 3%: " + counts);
        }
    }

    @Test
    @Order(1)
    void changesWithoutTheTokenAreRefused() throws IOException {
        Shell.Result none = lab.cli(60, "server", "set-weight", "--vip", SERVICE, "--server", "198.18.0.13",
                "--weight", "9", "--token-file", lab.labDir.resolve("missing.token").toString());
        assertEquals(1, none.exit(), none.output());
        Path wrong = lab.labDir.resolve("wrong.token");
        Files.writeString(wrong, "not-the-token\n");
        Files.setPosixFilePermissions(wrong, PosixFilePermissions.fromString("rw-------"));
        Shell.Result bad = lab.cli(60, "server", "set-weight", "--vip", SERVICE, "--server", "198.18.0.13",
                "--weight", "9", "--token-file", wrong.toString());
        assertEquals(1, bad.exit(), bad.output());
        assertTrue(bad.output().toLowerCase().contains("token"), bad.output());
        assertEquals(1, server("198.18.0.13").path("configuredWeight").asInt(), "weight unchanged");
    }

    @Test
    @Order(2)
    void aWeightChangeFromTheCliShowsInTheNextSixHundredConnections() throws IOException {
        Shell.Result r = change("server", "set-weight", "--vip", SERVICE, "--server", "198.18.0.13", "--weight", "3");
        assertEquals(0, r.exit(), r.output());
        assertSplit(lab.split(600), Map.of("rs1", 3, "rs2", 2, "rs3", 3), 600);
        assertEquals(0, change("server", "set-weight", "--vip", SERVICE, "--server", "198.18.0.13", "--weight", "1").exit());
    }

    @Test
    @Order(3)
    void theAdvisorTakesAStoppedServerOutAndBringsItBack() throws Exception {
        Shell.Result stop = Shell.run(30, lab.env, List.of(lab.lab("lab.sh"), "server-stop", "rs2"));
        assertTrue(stop.ok(), stop.output());
        long stoppedAt = System.nanoTime();
        long bound = INTERVAL_MS * FALL + TIMEOUT_MS;
        Thread.sleep(bound + 300);
        // Out of rotation within interval x fall + timeout: every new connection now succeeds
        // (the reset policy also moved any rs2 flow), none reaches rs2.
        Map<String, Integer> during = lab.split(60);
        assertEquals(60, during.values().stream().mapToInt(Integer::intValue).sum(),
                "no connection failed " + (System.nanoTime() - stoppedAt) / 1_000_000 + " ms after the stop: " + during
                        + "\n" + lab.dispatcherLog());
        assertFalse(during.containsKey("rs2"), "rs2 got connections while down: " + during);
        JsonNode rs2 = server("198.18.0.12");
        assertEquals("down", rs2.path("state").asText(), rs2.toString());
        assertTrue(rs2.path("reason").asText().startsWith("advisor:"), rs2.toString());

        Shell.Result start = Shell.run(60, lab.env, List.of(lab.lab("lab.sh"), "server-start", "rs2"));
        assertTrue(start.ok(), start.output());
        Thread.sleep(INTERVAL_MS * (RISE + 1) + TIMEOUT_MS);
        assertSplit(lab.split(60), Map.of("rs1", 3, "rs2", 2, "rs3", 1), 60);
        assertEquals("up", server("198.18.0.12").path("state").asText());
    }

    @Test
    @Order(4)
    void anInvalidReloadLeavesTrafficUntouchedAndNamesTheError() throws Exception {
        try {
            Files.writeString(config, configText.replace("weight: 2", "weight: two"));
            Shell.Result r = change("reload");
            assertEquals(1, r.exit(), r.output());
            assertTrue(r.output().contains("clusters[0].ports[0].servers[1].weight"), r.output());
            assertSplit(lab.split(60), Map.of("rs1", 3, "rs2", 2, "rs3", 1), 60);
        } finally {
            Files.writeString(config, configText);
        }
        Shell.Result ok = change("reload");
        assertEquals(0, ok.exit(), ok.output());
    }

    @Test
    @Order(5)
    void drainWaitReturnsWhenTheLongDownloadEndsAndNoNewConnectionReachesTheServer() throws Exception {
        Process download = new ProcessBuilder("ip", "netns", "exec", lab.client(), "curl", "-s", "--max-time", "60",
                "--limit-rate", "8M", "-o", "/dev/null", "-w", "%{size_download}", "http://" + LabFixture.VIP + "/big?mib=24")
                .redirectErrorStream(true).start();
        try {
            String busy = null;
            for (int i = 0; i < 20 && busy == null; i++) {
                Thread.sleep(200);
                for (String s : List.of("198.18.0.11", "198.18.0.12", "198.18.0.13")) {
                    if (server(s).path("activeConnections").asLong() > 0) {
                        busy = s;
                    }
                }
            }
            assertTrue(busy != null, "the download shows as an active connection");
            String name = "rs" + (busy.charAt(busy.length() - 1) - '0');
            long drainStarted = System.nanoTime();
            Process drain = new ProcessBuilder("ip", "netns", "exec", lab.disp(), LabFixture.javaBinary(), "-jar",
                    lab.repo.resolve("dispatcher/target/dispatcher.jar").toString(), "server", "drain", "--vip", SERVICE,
                    "--server", busy, "--wait", "--timeout", "60s", "--token-file", token.toString())
                    .redirectErrorStream(true).start();
            Thread.sleep(1500);
            Map<String, Integer> meanwhile = lab.split(30);
            assertFalse(meanwhile.containsKey(name), "new connections reached the draining " + name + ": " + meanwhile);
            assertEquals(30, meanwhile.values().stream().mapToInt(Integer::intValue).sum(), meanwhile.toString());
            assertTrue(download.waitFor(60, TimeUnit.SECONDS), "download finished");
            long downloadEnded = System.nanoTime();
            String bytes = new String(download.getInputStream().readAllBytes()).strip();
            assertEquals(String.valueOf(24L << 20), bytes, "the download completed on the draining server");
            assertTrue(drain.waitFor(30, TimeUnit.SECONDS), "drain --wait returned");
            long drainEnded = System.nanoTime();
            String drainOut = new String(drain.getInputStream().readAllBytes());
            assertEquals(0, drain.exitValue(), drainOut);
            assertTrue(drainEnded >= downloadEnded - 200_000_000L,
                    "drain --wait returned only once the download had ended: " + drainOut);
            assertTrue(drainEnded - drainStarted > 1_000_000_000L, "it did wait: " + drainOut);
            assertEquals(0, change("server", "set-weight", "--vip", SERVICE, "--server", busy, "--weight",
                    busy.endsWith("11") ? "3" : busy.endsWith("12") ? "2" : "1").exit());
        } finally {
            download.destroyForcibly();
        }
    }

    @Test
    @Order(6)
    void sighupReloadsTheFile() throws Exception {
        String pid = Files.readString(lab.labDir.resolve("dispatcher.pid")).strip();
        try {
            Files.writeString(config, configText.replace("weight: 1", "weight: 4"));
            Shell.Result hup = Shell.run(10, lab.env, List.of("kill", "-HUP", pid));
            assertTrue(hup.ok(), hup.output());
            int weight = 0;
            for (int i = 0; i < 20 && weight != 4; i++) {
                Thread.sleep(250);
                weight = server("198.18.0.13").path("configuredWeight").asInt();
            }
            assertEquals(4, weight, "SIGHUP re-read the file\n" + lab.dispatcherLog());
        } finally {
            Files.writeString(config, configText);
            Shell.run(10, lab.env, List.of("kill", "-HUP", pid));
        }
    }
}
