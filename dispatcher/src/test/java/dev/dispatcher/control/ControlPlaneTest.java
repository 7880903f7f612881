package dev.dispatcher.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.ServerConfig;
import dev.dispatcher.control.api.ControlException;
import dev.dispatcher.control.api.ControlOperations;
import dev.dispatcher.control.api.ReloadResult;
import dev.dispatcher.control.api.ServerOverride;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.StatusView;
import dev.dispatcher.dataplane.core.ForwardingTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live changes compile into the forwarding table as they should, and bad ones change nothing. */
class ControlPlaneTest {
    private static final String YAML = """
            interface: eth0
            clusters:
              - address: 198.18.0.100
                ports:
                  - port: 80
                    protocol: tcp
                    on-server-down: %s
                    servers:
                      - address: 198.18.0.11
                        weight: 3
                      - address: 198.18.0.12
                        weight: 2
            """;

    @TempDir
    Path dir;
    private Path file;
    private ControlPlane control;

    private static ServerRef ref(String server) {
        return ServerRef.of("198.18.0.100", 80, "tcp", server);
    }

    @BeforeEach
    void setUp() throws Exception {
        file = dir.resolve("dispatcher.yaml");
        Files.writeString(file, YAML.formatted("reset"));
        DispatcherConfig config = ConfigLoader.load(file);
        control = new ControlPlane(config, "eth0", 0x020000000002L, 0xC6120002, 1500);
    }

    private ForwardingTable table() {
        return control.tables().get();
    }

    private int weightOf(String server) {
        ForwardingTable t = table();
        int s = t.service(0xC6120064, 80, 6);
        int[] servers = t.serviceServers(s);
        int[] weights = t.serviceWeights(s);
        int index = t.serverIndex(dev.dispatcher.config.Ipv4.parse(server));
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] == index) {
                return weights[i];
            }
        }
        return -1;
    }

    private boolean keeps(String server) {
        ForwardingTable t = table();
        int s = t.service(0xC6120064, 80, 6);
        int index = t.serverIndex(dev.dispatcher.config.Ipv4.parse(server));
        int[] servers = t.serviceServers(s);
        for (int i = 0; i < servers.length; i++) {
            if (servers[i] == index) {
                return t.keepsFlow(t.servicePairs(s)[i]);
            }
        }
        return false;
    }

    @Test
    void weightDrainAndOverridesCompileIntoTheTable() throws Exception {
        assertEquals(3, weightOf("198.18.0.11"));
        control.setWeight(ref("198.18.0.11"), 7);
        assertEquals(7, weightOf("198.18.0.11"));
        control.drain(ref("198.18.0.11"));
        assertEquals(0, weightOf("198.18.0.11"));
        assertTrue(keeps("198.18.0.11"), "a draining server keeps its flows");
        control.setWeight(ref("198.18.0.11"), 4);
        assertEquals(4, weightOf("198.18.0.11"), "set-weight ends a drain");
        control.override(ref("198.18.0.12"), ServerOverride.DOWN);
        assertEquals(0, weightOf("198.18.0.12"));
        assertFalse(keeps("198.18.0.12"), "down under the reset policy drops its flows");
        control.override(ref("198.18.0.12"), ServerOverride.AUTO);
        assertEquals(2, weightOf("198.18.0.12"));
        StatusView status = control.status();
        assertEquals("up", status.clusters().getFirst().ports().getFirst().servers().get(1).state());
    }

    @Test
    void stableIndexesAcrossChanges() throws Exception {
        int before = table().serverIndex(0xC612000C);
        control.addServer(ref("198.18.0.13"), 1, MacAddress.parse("02:00:00:00:00:13"));
        assertEquals(before, table().serverIndex(0xC612000C), "existing servers keep their index");
        assertEquals(0x020000000013L, table().serverStaticMac(table().serverIndex(0xC612000D)));
        control.removeServer(ref("198.18.0.11"));
        assertEquals(-1, weightOf("198.18.0.11"), "removed under reset: gone from the service at once");
    }

    @Test
    void refusedChangesChangeNothing() {
        long version = table().version();
        ControlException e = assertThrows(ControlException.class, () -> control.setWeight(ref("198.18.0.11"), 10_001));
        assertTrue(e.getMessage().startsWith("weight:"), e.getMessage());
        assertEquals(ControlException.Kind.NOT_FOUND,
                assertThrows(ControlException.class, () -> control.drain(ref("198.18.0.99"))).kind());
        assertEquals(ControlException.Kind.CONFLICT,
                assertThrows(ControlException.class,
                        () -> control.addServer(ref("198.18.0.11"), 1, ControlOperations.NO_MAC)).kind());
        assertEquals(ControlException.Kind.INVALID,
                assertThrows(ControlException.class,
                        () -> control.addServer(ref("198.18.0.100"), 1, ControlOperations.NO_MAC)).kind(),
                "a VIP is not a real server");
        assertEquals(ControlException.Kind.INVALID,
                assertThrows(ControlException.class,
                        () -> control.addServer(ref("198.18.0.20"), 1, MacAddress.parse("01:00:5e:00:00:01"))).kind(),
                "multicast MAC");
        assertEquals(ControlException.Kind.INVALID,
                assertThrows(ControlException.class, () -> control.addServer(ref("198.18.0.20"), -1,
                        ControlOperations.NO_MAC)).kind(), "a negative weight");
        assertEquals(version, table().version(), "no new table was published");
    }

    @Test
    void healthDownTakesAServerOutUnlessForcedUp() throws Exception {
        Files.writeString(file, YAML.formatted("keep").replace("        servers:\n",
                "        advisor:\n          type: tcp\n        servers:\n"));
        ReloadResult r = control.reload();
        assertTrue(r.applied(), String.join("\n", r.errors()));
        control.onHealth(ref("198.18.0.11"), false, "HTTP 503");
        assertEquals(0, weightOf("198.18.0.11"));
        assertTrue(keeps("198.18.0.11"), "keep policy: flows stay");
        control.override(ref("198.18.0.11"), ServerOverride.UP);
        assertEquals(3, weightOf("198.18.0.11"), "operator override wins over the advisor");
    }

    @Test
    void invalidReloadKeepsTheRunningConfigurationAndNamesTheError() throws Exception {
        long version = table().version();
        Files.writeString(file, YAML.formatted("reset").replace("weight: 2", "weight: lots"));
        ReloadResult r = control.reload();
        assertFalse(r.applied());
        assertEquals(1, r.errors().size(), r.errors().toString());
        assertTrue(r.errors().getFirst().contains("clusters[0].ports[0].servers[1].weight"), r.errors().getFirst());
        assertEquals(version, table().version());
        assertEquals(2, weightOf("198.18.0.12"));
    }

    @Test
    void validReloadReportsChangesAndKeepsIndexes() throws Exception {
        int rs2 = table().serverIndex(0xC612000C);
        Files.writeString(file, YAML.formatted("reset").replace("weight: 2", "weight: 5")
                + "          - address: 198.18.0.14\n            weight: 1\n");
        ReloadResult r = control.reload();
        assertTrue(r.applied(), String.join("\n", r.errors()));
        assertTrue(r.changes().contains("198.18.0.100:80/tcp: server 198.18.0.12 weight 2 -> 5"),
                r.changes().toString());
        assertTrue(r.changes().contains("198.18.0.100:80/tcp: added server 198.18.0.14 weight 1"),
                r.changes().toString());
        assertEquals(rs2, table().serverIndex(0xC612000C));
        assertEquals(5, weightOf("198.18.0.12"));
    }

    @Test
    void configSaveWritesLiveChangesBackAndTheFileLoads() throws Exception {
        control.setWeight(ref("198.18.0.12"), 6);
        control.addServer(ref("198.18.0.13"), 2, ControlOperations.NO_MAC);
        control.drain(ref("198.18.0.11"));
        String path = control.saveConfig();
        DispatcherConfig saved = ConfigLoader.load(Path.of(path));
        var servers = saved.clusters().getFirst().ports().getFirst().servers();
        assertEquals(3, servers.size());
        assertEquals(3, servers.get(0).weight(), "a drain is a runtime state, not a configured weight");
        assertEquals(6, servers.get(1).weight());
        assertEquals(0xC612000D, servers.get(2).address());
        String header = Files.readString(file).lines().findFirst().orElseThrow();
        assertTrue(header.matches("# Written by the dispatcher at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d)?Z\\."),
                header);
        assertTrue(control.runningConfigYaml().contains("weight: 6"));
    }

    @Test
    void aServerRemovedFromAKeepPortLingersUntilAddedBack() throws Exception {
        Files.writeString(file, YAML.formatted("keep"));
        assertTrue(control.reload().applied());
        control.removeServer(ref("198.18.0.12"));
        assertEquals(0, weightOf("198.18.0.12"), "lingers with weight 0");
        assertTrue(keeps("198.18.0.12"), "its flows continue");
        var servers = control.status().clusters().getFirst().ports().getFirst().servers();
        assertEquals("removed", servers.getLast().state());
        control.addServer(ref("198.18.0.12"), 5, ControlOperations.NO_MAC);
        assertEquals(5, weightOf("198.18.0.12"));
        servers = control.status().clusters().getFirst().ports().getFirst().servers();
        assertEquals(2, servers.size(), "one entry per server: " + servers);
        int service = table().service(0xC6120064, 80, 6);
        assertEquals(2, table().serviceServers(service).length, "no duplicate in the compiled service");
    }

    @Test
    void aReloadStillParsingHoldsNoLockThatStatusOrChangesNeed() throws Exception {
        CountDownLatch parsing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ControlPlane slow = new ControlPlane(ConfigLoader.load(file), "eth0", 0x020000000002L, 0xC6120002, 1500,
                source -> {
                    parsing.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return ConfigLoader.load(source);
                });
        ExecutorService reloader = Executors.newSingleThreadExecutor();
        try {
            Future<ReloadResult> reload = reloader.submit(slow::reload);
            assertTrue(parsing.await(10, TimeUnit.SECONDS), "the reload reached its parse");
            // Each of these would wait for the reload forever if it held the lock while parsing.
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                assertEquals("eth0", slow.status().interfaceName());
                slow.setWeight(ref("198.18.0.11"), 7);
                assertFalse(slow.pairInfos().isEmpty());
                assertTrue(slow.runningConfigYaml().contains("weight: 7"));
            });
            release.countDown();
            assertTrue(reload.get(10, TimeUnit.SECONDS).applied());
        } finally {
            release.countDown();
            reloader.shutdownNow();
        }
    }

    @Test
    void reloadOfASelfReferencingMergeKeyIsRefusedAndChangesNothing() throws Exception {
        long version = table().version();
        Files.writeString(file, "interface: eth0\nx: &a\n  <<: *a\n");
        ReloadResult r = assertTimeoutPreemptively(Duration.ofSeconds(20), control::reload);
        assertFalse(r.applied());
        assertEquals(1, r.errors().size(), r.errors().toString());
        assertTrue(r.errors().getFirst().contains(":3:7: (yaml): alias *a is used inside the node &a"),
                r.errors().toString());
        assertEquals(version, table().version(), "no new table was published");
    }

    @Test
    void theDispatchersOwnMacIsNoRealServerMac() throws Exception {
        long version = table().version();
        ControlException e = assertThrows(ControlException.class,
                () -> control.addServer(ref("198.18.0.20"), 1, MacAddress.parse("02:00:00:00:00:02")));
        assertEquals(ControlException.Kind.INVALID, e.kind());
        assertEquals("server: 198.18.0.20: its MAC 02:00:00:00:00:02 is the dispatcher's own: frames would come back"
                + " to it", e.getMessage());

        Files.writeString(file,
                YAML.formatted("reset").replace("weight: 2", "weight: 2\n            mac: 02-00-00-00-00-02"));
        ReloadResult r = control.reload();
        assertFalse(r.applied());
        assertEquals(List.of("real server 198.18.0.12 of 198.18.0.100:80/tcp: its MAC 02:00:00:00:00:02 is the"
                + " dispatcher's own: frames would come back to it"), r.errors());
        assertEquals(version, table().version(), "no new table was published");
        assertEquals(2, control.config().clusters().getFirst().ports().getFirst().servers().size());
    }

    @Test
    void addressesOfThisHostAreNoRealServers() throws Exception {
        // 127.0.0.1 is on lo of every host; the check is the same for any address of ours.
        assertEquals("the address is this host's own (lo): frames would come back to the dispatcher",
                HostPreflight.whyNotAServer(0x7F000001, ServerConfig.NO_MAC, 0x020000000002L));
        assertNull(HostPreflight.whyNotAServer(0xC612000B, 0x020000000011L, 0x020000000002L));
    }
}
