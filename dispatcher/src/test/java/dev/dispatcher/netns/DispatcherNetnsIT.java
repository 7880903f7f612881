package dev.dispatcher.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole job on real interfaces: a client, the dispatcher and three real servers (weights
 * 3:2:1, hidden ARP set up by realserver-setup) in network namespaces on a bridge, built by
 * deploy/lab/lab.sh. Only 198.18.0.0/24 is used, every loop is bounded, and the lab is torn down
 * also when a test fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DispatcherNetnsIT {
    private static final String PREFIX = "dlit";
    private static final String CLIENT = PREFIX + "-client";
    private static final String DISP = PREFIX + "-disp";
    private static final String VIP = "198.18.0.100";
    private static final String DISPATCHER_MAC = "02:00:00:00:00:02";
    private static final Map<String, Integer> WEIGHTS = Map.of("rs1", 3, "rs2", 2, "rs3", 1);
    private static final Pattern MAC = Pattern.compile("(?i)\\b([0-9a-f]{2}(?::[0-9a-f]{2}){5})\\b");

    private final Path repo = Path.of("..").toAbsolutePath().normalize();
    private final Path labDir = Path.of("/tmp/" + PREFIX);
    private final Map<String, String> env = new HashMap<>();
    private boolean labUp;

    @BeforeAll
    void labUp() throws IOException {
        NetnsPreconditions.require();
        env.put("LAB_PREFIX", PREFIX);
        env.put("LAB_DIR", labDir.toString());
        Shell.run(120, env, List.of(lab("lab.sh"), "down"));
        labUp = true;
        Shell.Result up = Shell.run(240, env, List.of(lab("lab.sh"), "up"));
        assertTrue(up.ok(), "lab up failed:\n" + up.output());
        startDispatcher("inline", 1);
    }

    @AfterAll
    void labDown() {
        if (!labUp) {
            return;
        }
        Shell.run(30, env, List.of(lab("dispatcher.sh"), "stop"));
        Shell.Result down = Shell.run(120, env, List.of(lab("lab.sh"), "down"));
        assertTrue(down.ok(), "lab down failed:\n" + down.output());
    }

    private String lab(String script) {
        return repo.resolve("deploy/lab").resolve(script).toString();
    }

    private void startDispatcher(String mode, int workers) throws IOException {
        Files.createDirectories(labDir);
        Path config = labDir.resolve("dispatcher-" + mode + ".yaml");
        String base = Files.readString(repo.resolve("deploy/lab/dispatcher-lab.yaml"));
        Files.writeString(config, base + "\npipeline:\n  mode: " + mode + "\n  workers: " + workers + "\n");
        Map<String, String> e = new HashMap<>(env);
        e.put("DISPATCHER_CONFIG", config.toString());
        Shell.run(30, env, List.of(lab("dispatcher.sh"), "stop"));
        Shell.Result start = Shell.run(90, e, List.of(lab("dispatcher.sh"), "start"));
        assertTrue(start.ok(), "dispatcher start (" + mode + ") failed:\n" + start.output());
    }

    private Shell.Result inClient(int timeoutSeconds, String script) {
        return Shell.run(timeoutSeconds, env, List.of("ip", "netns", "exec", CLIENT, "bash", "-c", script));
    }

    private String dispatcherLog() {
        try {
            List<String> lines = Files.readAllLines(labDir.resolve("dispatcher.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no dispatcher log: " + e + ")";
        }
    }

    /** MACs that answer ARP for the VIP from the client, over three probes (arping flavour-agnostic). */
    private Set<String> arpResponders() {
        Shell.Result r = Shell.sh(30, env, "source " + lab("lab-common.sh") + "; for i in 1 2 3; do arp_probe "
                + CLIENT + " " + VIP + " 2; done");
        Set<String> macs = new TreeSet<>();
        Matcher m = MAC.matcher(r.output());
        while (m.find()) {
            macs.add(m.group(1).toLowerCase());
        }
        return macs;
    }

    @Test
    @Order(1)
    void onlyTheDispatcherAnswersArpForTheVip() {
        assertEquals(Set.of(DISPATCHER_MAC), arpResponders(), "ARP replies for the VIP\n" + dispatcherLog());
        Shell.Result curl = inClient(20, "curl -s --max-time 5 http://" + VIP + "/");
        assertTrue(curl.ok() && curl.output().matches("(?s)rs[123]\\s*"), "one request through the VIP: " + curl.output());
        Shell.Result neigh = inClient(5, "ip neigh show " + VIP);
        assertTrue(neigh.output().toLowerCase().contains("lladdr " + DISPATCHER_MAC),
                "the client's neighbour entry for the VIP is the dispatcher: " + neigh.output());
    }

    @ParameterizedTest(name = "{0} mode")
    @ValueSource(strings = {"inline", "ring"})
    @Order(2)
    void sixHundredNewConnectionsSplitByWeight(String mode) throws IOException {
        startDispatcher(mode, mode.equals("ring") ? 2 : 1);
        // One curl process, 600 URLs, each on a new connection (Connection: close), bounded in time.
        String urls = ("http://" + VIP + "/ ").repeat(600);
        Shell.Result r = inClient(180, "curl -s --max-time 5 -H 'Connection: close' " + urls);
        Map<String, Integer> counts = new TreeMap<>();
        for (String line : r.output().split("\n")) {
            if (line.matches("rs[123]")) {
                counts.merge(line, 1, Integer::sum);
            }
        }
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        assertEquals(600, total, "answers received (" + mode + "): " + counts + "\n" + dispatcherLog());
        for (var w : WEIGHTS.entrySet()) {
            int expected = 600 * w.getValue() / 6;
            int got = counts.getOrDefault(w.getKey(), 0);
            assertTrue(Math.abs(got - expected) <= expected * 3 / 100,
                    w.getKey() + " got " + got + " of 600, expected " + expected + " within 3% (" + mode + "): " + counts);
        }
    }

    @ParameterizedTest(name = "{0} mode")
    @ValueSource(strings = {"inline", "ring"})
    @Order(3)
    void largeDownloadArrivesIntactAndRepliesBypassTheDispatcher(String mode) throws IOException {
        startDispatcher(mode, mode.equals("ring") ? 2 : 1);
        Shell.Result expected = inClient(60, "curl -s --max-time 50 'http://198.18.0.11/big.sha256?mib=64'");
        assertTrue(expected.ok(), "reference checksum from rs1: " + expected.output());
        long dispRxBefore = dispatcherRxBytes();
        Shell.Result got = inClient(240, "set -o pipefail; curl -s --max-time 200 'http://" + VIP
                + "/big?mib=64' | tee >(wc -c >&2) | sha256sum");
        long dispRxAfter = dispatcherRxBytes();
        assertTrue(got.ok(), "download through the VIP: " + got.output() + "\n" + dispatcherLog());
        String expectedHash = expected.output().strip().split("\\s+")[0];
        assertTrue(got.output().contains(expectedHash), "SHA-256 of 64 MiB through the VIP is " + got.output()
                + ", expected " + expectedHash);
        assertTrue(got.output().contains(String.valueOf(64L << 20)), "64 MiB received: " + got.output());
        long crossed = dispRxAfter - dispRxBefore;
        assertTrue(crossed < (8L << 20), "only the client's requests and ACKs cross the dispatcher host, not the 64 MiB "
                + "of replies: its interface received " + crossed + " bytes");
    }

    private long dispatcherRxBytes() {
        Shell.Result r = Shell.run(5, env, List.of("ip", "netns", "exec", DISP, "cat", "/sys/class/net/eth0/statistics/rx_bytes"));
        assertTrue(r.ok(), r.output());
        return Long.parseLong(r.output().strip());
    }

    @Test
    @Order(4)
    void stoppedDispatcherMeansNoVipAndARestartBringsItBack() throws IOException {
        Shell.Result stop = Shell.run(30, env, List.of(lab("dispatcher.sh"), "stop"));
        assertTrue(stop.ok(), stop.output());
        Shell.Result curl = inClient(20, "curl -s --max-time 3 http://" + VIP + "/");
        assertFalse(curl.ok(), "the VIP must not answer without the dispatcher: " + curl.output());
        inClient(5, "ip neigh flush to " + VIP);
        assertEquals(Set.of(), arpResponders(), "no ARP reply for the VIP without the dispatcher (hidden ARP holds)");
        startDispatcher("inline", 1);
        Shell.Result again = inClient(20, "curl -s --max-time 5 http://" + VIP + "/");
        assertTrue(again.ok() && again.output().matches("(?s)rs[123]\\s*"), "after restart: " + again.output()
                + "\n" + dispatcherLog());
    }

    @Test
    @Order(5)
    void withoutCapNetRawStartIsAOneLineErrorThatNamesIt() {
        Shell.run(30, env, List.of(lab("dispatcher.sh"), "stop"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Shell.Result r = Shell.run(60, env, List.of("ip", "netns", "exec", DISP, "setpriv",
                "--bounding-set=-net_raw,-net_admin", "--inh-caps=-net_raw,-net_admin", java,
                "-jar", repo.resolve("dispatcher/target/dispatcher.jar").toString(), "run", "--config",
                repo.resolve("deploy/lab/dispatcher-lab.yaml").toString()));
        assertEquals(1, r.exit(), r.output());
        List<String> errors = r.output().lines().filter(l -> l.startsWith("error:")).toList();
        assertEquals(1, errors.size(), r.output());
        assertTrue(errors.getFirst().contains("CAP_NET_RAW"), errors.getFirst());
    }

    @Test
    @Order(6)
    void aVipConfiguredOnTheDispatcherHostIsRefused() {
        Shell.run(30, env, List.of(lab("dispatcher.sh"), "stop"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Shell.Result add = Shell.run(10, env, List.of("ip", "-n", DISP, "addr", "add", VIP + "/32", "dev", "lo"));
        assertTrue(add.ok(), add.output());
        try {
            Shell.Result r = Shell.run(60, env, List.of("ip", "netns", "exec", DISP, java, "-jar",
                    repo.resolve("dispatcher/target/dispatcher.jar").toString(), "run", "--config",
                    repo.resolve("deploy/lab/dispatcher-lab.yaml").toString()));
            assertEquals(1, r.exit(), r.output());
            assertTrue(r.output().contains("error: VIP " + VIP + " is configured on this host (lo)"), r.output());
        } finally {
            Shell.run(10, env, List.of("ip", "-n", DISP, "addr", "del", VIP + "/32", "dev", "lo"));
        }
    }
}
