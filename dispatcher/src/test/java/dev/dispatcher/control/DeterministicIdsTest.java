package dev.dispatcher.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.Protocol;
import dev.dispatcher.control.api.ControlOperations;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.ServiceKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server indexes and pair ids come from the configuration's content: two control planes given the
 * same services and servers, listed in any order, number them alike, and a live change numbers
 * only what it adds.
 */
class DeterministicIdsTest {
    private static final int CLUSTERS = 6;
    private static final int PORTS = 3;
    private static final int SERVERS = 12;

    @TempDir
    Path dir;

    /** The same configuration with clusters, ports, servers and keys shuffled by {@code seed}. */
    private Path config(long seed, String name) throws Exception {
        Random random = new Random(seed);
        List<String> clusters = new ArrayList<>();
        for (int c = 0; c < CLUSTERS; c++) {
            List<String> ports = new ArrayList<>();
            for (int p = 0; p < PORTS; p++) {
                List<String> servers = new ArrayList<>();
                for (int s = 0; s < SERVERS; s++) {
                    // Each cluster and port takes its own subset of the servers.
                    if ((s + c + p) % 3 != 0) {
                        List<String> keys = new ArrayList<>(List.of("address: 198.18.1." + (10 + s),
                                "weight: " + (1 + (s % 4))));
                        Collections.shuffle(keys, random);
                        servers.add("          - " + keys.get(0) + "\n            " + keys.get(1) + "\n");
                    }
                }
                Collections.shuffle(servers, random);
                List<String> keys = new ArrayList<>(List.of("port: " + (80 + p),
                        "protocol: " + (p == 2 ? "udp" : "tcp"), "servers:\n" + String.join("", servers)));
                Collections.shuffle(keys, random);
                ports.add("      - " + keys.get(0) + "\n        " + keys.get(1) + "\n        " + keys.get(2));
            }
            Collections.shuffle(ports, random);
            clusters.add("  - address: 198.18.0." + (100 + c) + "\n    ports:\n" + String.join("\n", ports));
        }
        Collections.shuffle(clusters, random);
        Path file = dir.resolve(name);
        Files.writeString(file, "interface: eth0\nclusters:\n" + String.join("\n", clusters));
        return file;
    }

    private static ControlPlane control(Path file) throws Exception {
        return new ControlPlane(ConfigLoader.load(file), "eth0", 0x020000000002L, 0xC6120002, 1500);
    }

    /** Every pair id and server index, by what they name. */
    private static Map<String, Integer> ids(ControlPlane control) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (ControlPlane.PairInfo p : control.pairInfos()) {
            ids.put(p.advisorKey(), p.pair());
            ids.put(Ipv4.format(p.server()), control.serverIndex(p.server()));
        }
        return ids;
    }

    @Test
    void theSameConfigurationInAnyOrderGivesTheSameIds() throws Exception {
        Map<String, Integer> reference = ids(control(config(1, "a.yaml")));
        assertEquals(CLUSTERS * PORTS * SERVERS * 2 / 3 + SERVERS, reference.size(), "every pair and server numbered");
        for (long seed = 2; seed <= 6; seed++) {
            Path file = config(seed, "shuffled-" + seed + ".yaml");
            assertNotEquals(Files.readString(dir.resolve("a.yaml")), Files.readString(file), "really shuffled");
            assertEquals(reference, ids(control(file)), "order " + seed);
        }
    }

    @Test
    void aServerAddedOrRemovedChangesNoOtherId() throws Exception {
        ControlPlane control = control(config(1, "a.yaml"));
        Map<String, Integer> before = ids(control);
        ServiceKey service = new ServiceKey(Ipv4.parse("198.18.0.100"), 80, Protocol.TCP);
        control.addServer(ServerRef.of("198.18.0.100", 80, "tcp", "198.18.1.99"), 1, ControlOperations.NO_MAC);
        Map<String, Integer> added = ids(control);
        assertTrue(added.get(AdvisorPlan.key(new ServerRef(service, Ipv4.parse("198.18.1.99")))) >= 0,
                "the new pair has an id");
        before.forEach((what, id) -> assertEquals(id, added.get(what), what + " kept its id"));

        String removed = before.keySet().stream().filter(k -> k.startsWith("198.18.0.100:80/tcp ")).findFirst()
                .orElseThrow();
        control.removeServer(ServerRef.of("198.18.0.100", 80, "tcp", removed.substring(removed.indexOf(' ') + 1)));
        Map<String, Integer> after = ids(control);
        added.forEach((what, id) -> {
            if (!what.equals(removed)) {
                assertEquals(id, after.get(what), what + " kept its id");
            }
        });
    }

    @Test
    void aBatchIsNumberedByContentWhateverItsOrderAndTheBoundRefusesTheRest() {
        List<Integer> servers = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            servers.add(0xC6120100 + i);
        }
        ContentIds<Integer> forward = new ContentIds<>(64, Fingerprints::server);
        assertEquals(List.of(), forward.assign(servers, Integer::compare));
        List<Integer> shuffled = new ArrayList<>(servers);
        Collections.shuffle(shuffled, new Random(3));
        ContentIds<Integer> other = new ContentIds<>(64, Fingerprints::server);
        assertEquals(List.of(), other.assign(shuffled, Integer::compare));
        int notAtHome = 0;
        for (Integer server : servers) {
            assertEquals(forward.idOf(server), other.idOf(server));
            notAtHome += forward.idOf(server) == (int) Long.remainderUnsigned(Fingerprints.server(server), 64) ? 0 : 1;
        }
        assertTrue(notAtHome > 0, "40 keys in 64 ids collide, so the probing is exercised");
        assertEquals(40, servers.stream().map(forward::idOf).distinct().count(), "no id given twice");

        ContentIds<Integer> tiny = new ContentIds<>(2, Fingerprints::server);
        assertEquals(1, tiny.assign(servers.subList(0, 3), Integer::compare).size(), "two ids, the third key refused");
        assertEquals(-1, tiny.idOf(0xC6120999));
    }
}
