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
        configText = lab.withStateDir(configText);
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

    /**
     * A server's entry in the status, read from the admin API with curl: a JVM per poll (the CLI)
     * took seconds on a loaded 2-core machine, longer than the download a drain test waits for.
     * The CLI's own status command is exercised by the other tests.
     */
    private JsonNode server(String address) throws IOException {
        Shell.Result r = lab.inNamespace(lab.disp(), 15, List.of("curl", "-s", "--max-time", "10",
                "http://127.0.0.1:9100/status"));
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

    /**
     * explain, asked of the running dispatcher, names the server the next new flow from a client
     * port will get, without taking the scheduler's turn: a connection from that port then lands
     * there, and explain calls it an existing flow on the same server. Three ports in a row, so
     * that a peek that took the turn would shift the next answer.
     */
    @Test
    @Order(2)
    void explainNamesTheServerTheNextNewFlowGetsAndTheConnectionGoesThere() throws IOException {
        Map<String, String> names = Map.of("198.18.0.11", "rs1", "198.18.0.12", "rs2", "198.18.0.13", "rs3");
        for (int port = 47001; port <= 47003; port++) {
            Shell.Result before = lab.cli(30, "explain", "--client", "198.18.0.1:" + port, "--vip", SERVICE);
            assertEquals(0, before.exit(), before.output());
            assertTrue(before.output().contains("would pick this server next"), before.output());
            String predicted = field(before.output(), "server");
            assertTrue(names.containsKey(predicted), "a server is named: " + before.output());
            // Asking twice takes no turn either.
            assertEquals(predicted, field(lab.cli(30, "explain", "--client", "198.18.0.1:" + port, "--vip", SERVICE)
                    .output(), "server"));
            Shell.Result answer = lab.inClient(20, "curl -s --max-time 5 --local-port " + port
                    + " -H 'Connection: close' http://" + LabFixture.VIP + "/");
            assertEquals(names.get(predicted), answer.output().strip(), "the connection from port " + port
                    + " went where explain said: " + before.output());
            Shell.Result after = lab.cli(30, "explain", "--client", "198.18.0.1:" + port, "--vip", SERVICE);
            assertTrue(after.output().contains("existing flow"), after.output());
            assertEquals(predicted, field(after.output(), "server"));
        }
    }

    private static String field(String explainOutput, String name) {
        return explainOutput.lines().filter(l -> l.startsWith(name + " ")).map(l -> l.substring(name.length()).strip())
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + " in " + explainOutput));
    }

    @Test
    @Order(3)
    void aWeightChangeFromTheCliShowsInTheNextSixHundredConnections() throws IOException {
        Shell.Result r = change("server", "set-weight", "--vip", SERVICE, "--server", "198.18.0.13", "--weight", "3");
        assertEquals(0, r.exit(), r.output());
        assertSplit(lab.split(600), Map.of("rs1", 3, "rs2", 2, "rs3", 3), 600);
        assertEquals(0,
                change("server", "set-weight", "--vip", SERVICE, "--server", "198.18.0.13", "--weight", "1").exit());
    }

    @Test
    @Order(4)
    void theAdvisorTakesAStoppedServerOutAndBringsItBack() throws Exception {
        Shell.Result stop = Shell.run(30, lab.env, List.of(lab.lab("lab.sh"), "server-stop", "rs2"));
        assertTrue(stop.ok(), stop.output());
        long stoppedAt = System.nanoTime();
        long bound = INTERVAL_MS * FALL + TIMEOUT_MS;
        Thread.sleep(bound + 700);
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
    @Order(5)
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
    @Order(6)
    void drainWaitReturnsWhenTheLongDownloadEndsAndNoNewConnectionReachesTheServer() throws Exception {
        Process download = new ProcessBuilder("ip", "netns", "exec", lab.client(), "curl", "-s", "--max-time", "90",
                "--limit-rate", "2M", "-o", "/dev/null", "-w", "%{size_download}",
                "http://" + LabFixture.VIP + "/big?mib=64")
                .redirectErrorStream(true).start();
        String drained = null;
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
            drained = busy;
            String name = "rs" + (busy.charAt(busy.length() - 1) - '0');
            long drainStarted = System.nanoTime();
            Process drain = new ProcessBuilder("ip", "netns", "exec", lab.disp(), LabFixture.javaBinary(), "-jar",
                    lab.repo.resolve("dispatcher/target/dispatcher.jar").toString(), "server", "drain",
                    "--vip", SERVICE, "--server", busy, "--wait", "--timeout", "60s", "--token-file", token.toString())
                    .redirectErrorStream(true).start();
            // The drain command is a JVM of its own: wait until the dispatcher reports the drain.
            String state = "";
            for (int i = 0; i < 60 && !state.equals("drain"); i++) {
                Thread.sleep(250);
                state = server(busy).path("state").asText();
            }
            assertEquals("drain", state, "the server is draining");
            assertTrue(download.isAlive(), "the download still runs while the drain waits");
            Map<String, Integer> meanwhile = lab.split(30);
            assertFalse(meanwhile.containsKey(name), "new connections reached the draining " + name + ": " + meanwhile);
            assertEquals(30, meanwhile.values().stream().mapToInt(Integer::intValue).sum(), meanwhile.toString());
            assertTrue(download.waitFor(90, TimeUnit.SECONDS), "download finished");
            long downloadEnded = System.nanoTime();
            String bytes = new String(download.getInputStream().readAllBytes()).strip();
            assertEquals(String.valueOf(64L << 20), bytes, "the download completed on the draining server");
            assertTrue(drain.waitFor(30, TimeUnit.SECONDS), "drain --wait returned");
            long drainEnded = System.nanoTime();
            String drainOut = new String(drain.getInputStream().readAllBytes());
            assertEquals(0, drain.exitValue(), drainOut);
            assertTrue(drainEnded >= downloadEnded - 200_000_000L,
                    "drain --wait returned only once the download had ended: " + drainOut);
            assertTrue(drainEnded - drainStarted > 1_000_000_000L, "it did wait: " + drainOut);
        } finally {
            download.destroyForcibly();
            if (drained != null) {
                // set-weight ends the drain; back to the configured weight for the next tests.
                assertEquals(0, change("server", "set-weight", "--vip", SERVICE, "--server", drained, "--weight",
                        drained.endsWith("11") ? "3" : drained.endsWith("12") ? "2" : "1").exit());
            }
        }
    }

    @Test
    @Order(7)
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

    private record Sample(String name, Map<String, String> labels, double value) {
    }

    private List<Sample> scrape() {
        Shell.Result r = lab.inNamespace(lab.disp(), 15, List.of("curl", "-s", "--max-time", "10",
                "http://127.0.0.1:9100/metrics"));
        assertTrue(r.ok(), r.output());
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)$");
        java.util.regex.Pattern label = java.util.regex.Pattern.compile(
                "([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
        List<Sample> samples = new java.util.ArrayList<>();
        for (String l : r.output().split("\n")) {
            if (l.isBlank() || l.startsWith("#")) {
                continue;
            }
            java.util.regex.Matcher m = line.matcher(l);
            assertTrue(m.matches(), "unparsable exposition line: " + l);
            Map<String, String> labels = new java.util.TreeMap<>();
            if (m.group(3) != null) {
                java.util.regex.Matcher lm = label.matcher(m.group(3));
                while (lm.find()) {
                    labels.put(lm.group(1), lm.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
        }
        return samples;
    }

    private static double sum(List<Sample> samples, String name) {
        return samples.stream().filter(x -> x.name().equals(name)).mapToDouble(Sample::value).sum();
    }

    @Test
    @Order(8)
    void metricsMatchTheCatalogCountTheTrafficAndBalance() throws Exception {
        List<Sample> before = scrape();
        var catalog = dev.dispatcher.metrics.MetricCatalog.FAMILIES;
        assertEquals(new java.util.TreeSet<>(dev.dispatcher.metrics.MetricCatalog.sampleNames()),
                before.stream().map(Sample::name)
                        .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new)),
                "the scrape shows exactly the catalog's metric names");
        for (Sample sample : before) {
            var family = catalog.stream().filter(f -> f.samples().contains(sample.name())).findFirst().orElseThrow();
            java.util.Set<String> expected = new java.util.TreeSet<>(family.labels());
            if (sample.name().endsWith("_bucket")) {
                expected.add("le");
            }
            assertEquals(expected, sample.labels().keySet(), "labels of " + sample);
        }
        assertEquals(3, before.stream().filter(x -> x.name().equals("dispatcher_server_state")
                && x.labels().get("state").equals("up") && x.value() == 1).count(), "three servers up");

        Map<String, Integer> counts = lab.split(60);
        assertEquals(60, counts.values().stream().mapToInt(Integer::intValue).sum());
        Thread.sleep(1000);
        List<Sample> after = scrape();
        assertEquals(60, sum(after, "dispatcher_connections_total") - sum(before, "dispatcher_connections_total"),
                "new connections counted = connections made");
        for (var e : counts.entrySet()) {
            String address = "198.18.0.1" + e.getKey().charAt(2);
            double delta = after.stream().filter(x -> x.name().equals("dispatcher_connections_total")
                    && x.labels().get("server").equals(address)).mapToDouble(Sample::value).sum()
                    - before.stream().filter(x -> x.name().equals("dispatcher_connections_total")
                    && x.labels().get("server").equals(address)).mapToDouble(Sample::value).sum();
            assertEquals(e.getValue().doubleValue(), delta, "connections of " + e.getKey());
        }
        double received = sum(after, "dispatcher_received_packets_total");
        double forwarded = sum(after, "dispatcher_forwarded_packets_total");
        double dropped = sum(after, "dispatcher_dropped_packets_total");
        double passed = sum(after, "dispatcher_passed_packets_total");
        assertTrue(forwarded >= 60 * 4, "every connection forwarded several frames: " + forwarded);
        assertEquals(received, forwarded + dropped + passed, "received = forwarded + dropped + passed");
        // This class has forwarded well over 1024 frames by now, so the 1-in-1024 sampler has fired.
        assertTrue(sum(after, "dispatcher_packet_processing_seconds_count") > 0, "latency samples recorded");
        assertEquals(1, sum(after, "dispatcher_build_info"));

        // Prometheus' own linter over the live exposition.
        Shell.Result lint = Shell.sh(120, lab.env, "ip netns exec " + lab.disp()
                + " curl -s --max-time 10 http://127.0.0.1:9100/metrics | "
                + lab.repo.resolve("deploy/prometheus/promtool.sh") + " check metrics");
        assertEquals(0, lint.exit(), "promtool check metrics: " + lint.output());
    }
}
