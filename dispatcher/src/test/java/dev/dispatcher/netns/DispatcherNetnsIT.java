package dev.dispatcher.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
    private static final String VIP = LabFixture.VIP;
    private static final String DISPATCHER_MAC = LabFixture.DISPATCHER_MAC;
    private static final Map<String, Integer> WEIGHTS = Map.of("rs1", 3, "rs2", 2, "rs3", 1);

    private final LabFixture lab = new LabFixture("dlit");

    @BeforeAll
    void labUp() throws IOException {
        lab.up();
        startDispatcher("inline", 1);
    }

    @AfterAll
    void labDown() {
        lab.down();
    }

    private void startDispatcher(String mode, int workers) throws IOException {
        startDispatcher(mode, workers, "afpacket");
    }

    private void startDispatcher(String mode, int workers, String backend) throws IOException {
        lab.startDispatcher("dispatcher-" + mode + "-" + backend, lab.labConfig("pipeline:\n  mode: " + mode
                + "\n  workers: " + workers + "\nio:\n  backend: " + backend + "\n"));
    }

    private Shell.Result inClient(int timeoutSeconds, String script) {
        return lab.inClient(timeoutSeconds, script);
    }

    @Test
    @Order(1)
    void onlyTheDispatcherAnswersArpForTheVip() {
        assertEquals(Set.of(DISPATCHER_MAC), lab.arpResponders(), "ARP replies for the VIP\n" + lab.dispatcherLog());
        Shell.Result curl = inClient(20, "curl -s --max-time 5 http://" + VIP + "/");
        assertTrue(curl.ok() && curl.output().matches("(?s)rs[123]\\s*"),
                "one request through the VIP: " + curl.output());
        Shell.Result neigh = inClient(5, "ip neigh show " + VIP);
        assertTrue(neigh.output().toLowerCase().contains("lladdr " + DISPATCHER_MAC),
                "the client's neighbour entry for the VIP is the dispatcher: " + neigh.output());
    }

    @ParameterizedTest(name = "{0} mode, {1}")
    @CsvSource({"inline,afpacket", "ring,afpacket", "inline,pcap4j", "ring,pcap4j"})
    @Order(2)
    void sixHundredNewConnectionsSplitByWeight(String mode, String backend) throws IOException {
        startDispatcher(mode, mode.equals("ring") ? 2 : 1, backend);
        Map<String, Integer> counts = lab.split(600);
        int total = counts.values().stream().mapToInt(Integer::intValue).sum();
        assertEquals(600, total, "answers received (" + mode + "): " + counts + "\n" + lab.dispatcherLog());
        for (var w : WEIGHTS.entrySet()) {
            int expected = 600 * w.getValue() / 6;
            int got = counts.getOrDefault(w.getKey(), 0);
            assertTrue(Math.abs(got - expected) <= expected * 3 / 100,
                    w.getKey() + " got " + got + " of 600, expected " + expected + " within 3% (" + mode + "): "
                            + counts);
        }
    }

    @ParameterizedTest(name = "{0} mode, {1}")
    @CsvSource({"inline,afpacket", "ring,afpacket", "inline,pcap4j", "ring,pcap4j"})
    @Order(3)
    void largeDownloadArrivesIntactAndRepliesBypassTheDispatcher(String mode, String backend) throws IOException {
        startDispatcher(mode, mode.equals("ring") ? 2 : 1, backend);
        Shell.Result expected = inClient(60, "curl -s --max-time 50 'http://198.18.0.11/big.sha256?mib=64'");
        assertTrue(expected.ok(), "reference checksum from rs1: " + expected.output());
        long dispRxBefore = lab.rxBytes(lab.disp());
        // The SHA-256 equal to the server's own digest of its 64 MiB stream proves every byte and
        // the length; a byte count from `tee >(wc -c)` raced with the pipeline's end and was dropped.
        Shell.Result got = inClient(240, "set -o pipefail; curl -s --max-time 200 'http://" + VIP
                + "/big?mib=64' | sha256sum");
        long dispRxAfter = lab.rxBytes(lab.disp());
        assertTrue(got.ok(), "download through the VIP: " + got.output() + "\n" + lab.dispatcherLog());
        String expectedHash = expected.output().strip().split("\\s+")[0];
        assertTrue(got.output().contains(expectedHash), "SHA-256 of 64 MiB through the VIP is " + got.output()
                + ", expected " + expectedHash);
        long crossed = dispRxAfter - dispRxBefore;
        assertTrue(crossed < (8L << 20),
                "only the client's requests and ACKs cross the dispatcher host, not the 64 MiB "
                + "of replies: its interface received " + crossed + " bytes");
    }

    @Test
    @Order(4)
    void stoppedDispatcherMeansNoVipAndARestartBringsItBack() throws IOException {
        lab.stopDispatcher();
        Shell.Result curl = inClient(20, "curl -s --max-time 3 http://" + VIP + "/");
        assertFalse(curl.ok(), "the VIP must not answer without the dispatcher: " + curl.output());
        inClient(5, "ip neigh flush to " + VIP);
        assertEquals(Set.of(), lab.arpResponders(),
                "no ARP reply for the VIP without the dispatcher (hidden ARP holds)");
        startDispatcher("inline", 1);
        Shell.Result again = inClient(20, "curl -s --max-time 5 http://" + VIP + "/");
        assertTrue(again.ok() && again.output().matches("(?s)rs[123]\\s*"), "after restart: " + again.output()
                + "\n" + lab.dispatcherLog());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"afpacket", "pcap4j"})
    @Order(5)
    void withoutCapNetRawStartIsAOneLineErrorThatNamesIt(String backend) throws IOException {
        lab.stopDispatcher();
        java.nio.file.Path config = java.nio.file.Files.createTempFile("dlit-" + backend, ".yaml");
        java.nio.file.Files.writeString(config, lab.labConfig("io:\n  backend: " + backend + "\n"));
        Shell.Result r = lab.inNamespace(lab.disp(), 60, List.of("setpriv",
                "--bounding-set=-net_raw,-net_admin", "--inh-caps=-net_raw,-net_admin", LabFixture.javaBinary(),
                "-jar", lab.repo.resolve("dispatcher/target/dispatcher.jar").toString(), "run", "--config",
                config.toString()));
        java.nio.file.Files.deleteIfExists(config);
        assertEquals(1, r.exit(), r.output());
        List<String> errors = r.output().lines().filter(l -> l.startsWith("error:")).toList();
        assertEquals(1, errors.size(), r.output());
        assertTrue(errors.getFirst().contains("CAP_NET_RAW"), errors.getFirst());
    }

    @Test
    @Order(6)
    void aVipConfiguredOnTheDispatcherHostIsRefused() {
        lab.stopDispatcher();
        Shell.Result add = lab.inNamespace(lab.disp(), 10, List.of("ip", "addr", "add", VIP + "/32", "dev", "lo"));
        assertTrue(add.ok(), add.output());
        try {
            Shell.Result r = lab.cli(60, "run",
                    "--config", lab.repo.resolve("deploy/lab/dispatcher-lab.yaml").toString());
            assertEquals(1, r.exit(), r.output());
            assertTrue(r.output().contains("error: VIP " + VIP + " is configured on this host (lo)"), r.output());
        } finally {
            lab.inNamespace(lab.disp(), 10, List.of("ip", "addr", "del", VIP + "/32", "dev", "lo"));
        }
    }
}
