package dev.dispatcher.netns.afpacket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole dispatcher, started with {@code java -jar} (no --enable-native-access on the command
 * line: the manifest's Enable-Native-Access must be enough), forwards HTTP connections from a
 * client to two real servers with each backend, in a small lab of its own on 198.18.2.0/24:
 * afp-c (client .1), afp-d (dispatcher .2), afp-r1/afp-r2 (.11/.12, VIP .100 hidden on lo), all
 * on a bridge in afp-sw. Needs the shaded jar, so it runs in Failsafe after {@code package}.
 */
class AfPacketDispatcherNetnsIT {
    private static final String VIP = "198.18.2.100";
    /** Added by a reload: the afpacket filter must follow. */
    private static final String VIP2 = "198.18.2.101";
    private static final String[][] HOSTS = {
        {"c", "198.18.2.1", "02:af:00:00:02:01"},
        {"d", "198.18.2.2", "02:af:00:00:02:02"},
        {"r1", "198.18.2.11", "02:af:00:00:02:11"},
        {"r2", "198.18.2.12", "02:af:00:00:02:12"},
    };
    private static final Path JAR = Path.of("target/dispatcher.jar").toAbsolutePath();

    @BeforeAll
    static void createLab() {
        Netns.require();
        deleteLab();
        List<String> s = new ArrayList<>();
        s.add("ip netns add afp-sw");
        s.add("ip -n afp-sw link add br0 type bridge");
        s.add("ip -n afp-sw link set br0 up");
        for (String[] h : HOSTS) {
            String ns = "afp-" + h[0];
            s.add("ip netns add " + ns);
            s.add("ip netns exec " + ns
                    + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
            s.add("ip link add eth0 netns " + ns + " type veth peer name " + h[0] + " netns afp-sw");
            s.add("ip -n " + ns + " link set eth0 address " + h[2]);
            s.add("ip -n " + ns + " addr add " + h[1] + "/24 dev eth0");
            s.add("ip -n " + ns + " link set lo up");
            s.add("ip -n " + ns + " link set eth0 up");
            s.add("ip -n afp-sw link set dev " + h[0] + " master br0 up");
        }
        // Finished checksums on the wire (docs/PACKET-IO.md, checksum offload), no GRO on the dispatcher.
        s.add("ip netns exec afp-c ethtool -K eth0 tx off tso off gso off >/dev/null");
        s.add("ip netns exec afp-d ethtool -K eth0 gro off >/dev/null");
        for (String rs : List.of("r1", "r2")) {
            String ns = "afp-" + rs;
            s.add("ip -n " + ns + " addr add " + VIP + "/32 scope host dev lo");
            s.add("ip -n " + ns + " addr add " + VIP2 + "/32 scope host dev lo");
            s.add("ip netns exec " + ns
                    + " sysctl -qw net.ipv4.conf.all.arp_ignore=3 net.ipv4.conf.all.arp_announce=2");
            s.add("ip netns exec " + ns + " ethtool -K eth0 tx off tso off gso off >/dev/null");
            s.add("mkdir -p /tmp/afp-lab/" + rs + " && echo " + rs + " > /tmp/afp-lab/" + rs + "/who");
            s.add("(ip netns exec " + ns + " /usr/bin/python3 -m http.server 80 --bind 0.0.0.0 -d /tmp/afp-lab/" + rs
                    + " </dev/null >/tmp/afp-lab/" + rs + ".log 2>&1 &)");
        }
        Netns.must(String.join(" && ", s));
    }

    @AfterAll
    static void deleteLab() {
        StringBuilder s = new StringBuilder();
        for (String ns : List.of("afp-c", "afp-d", "afp-r1", "afp-r2", "afp-sw")) {
            // Processes in the namespace first (the http servers), then the namespace.
            s.append("for p in $(ip netns pids ").append(ns).append(" 2>/dev/null); do kill $p; done; ");
            s.append("ip netns del ").append(ns).append(" 2>/dev/null; ");
        }
        s.append("rm -rf /tmp/afp-lab; true");
        Netns.sh(20, s.toString());
    }

    @ParameterizedTest(name = "io.backend {0}, pipeline.mode {1}, io.rx-ring {2}")
    @CsvSource({"afpacket,inline,frames", "afpacket,ring,frames", "afpacket,inline,blocks", "pcap4j,inline,frames"})
    void forwardsConnectionsToBothServers(String backend, String mode, String rxRing, @TempDir Path dir)
            throws Exception {
        assertTrue(Files.exists(JAR), "needs " + JAR + " (mvn verify builds it before the integration tests)");
        Path config = dir.resolve("dispatcher.yaml");
        // The flow snapshot goes to the test's directory, not to the host's /var/lib/dispatcher.
        Files.writeString(config, "state-dir: " + dir.resolve("state") + "\n" + """
                interface: eth0
                clusters:
                  - address: %s
                    ports:
                      - port: 80
                        protocol: tcp
                        servers:
                          - address: 198.18.2.11
                          - address: 198.18.2.12
                io:
                  backend: %s
                  rx-ring: %s
                pipeline:
                  mode: %s
                  workers: 2
                admin:
                  listen: 127.0.0.1:9100
                  token-file: %s
                """.formatted(VIP, backend, rxRing, mode, dir.resolve("admin.token")));
        Path log = dir.resolve("dispatcher.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process dispatcher = new ProcessBuilder("ip", "netns", "exec", "afp-d", java, "-XX:+UseSerialGC", "-jar",
                JAR.toString(), "run", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            Map<String, Integer> hits = new TreeMap<>();
            int failures = 0;
            // Up to 30 s for the first answer (JVM start, ARP), then 20 connections in a row.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (hits.isEmpty() && System.nanoTime() < deadline && dispatcher.isAlive()) {
                Netns.Result r = Netns.sh(5, "ip netns exec afp-c curl -s --max-time 1 http://" + VIP + "/who");
                if (r.ok()) {
                    hits.merge(r.output().strip(), 1, Integer::sum);
                } else {
                    Thread.sleep(200);
                }
            }
            String started = Files.readString(log, StandardCharsets.UTF_8);
            assertFalse(hits.isEmpty(), "no answer through the dispatcher within 30 s; log:\n" + started);
            for (int i = 0; i < 20; i++) {
                Netns.Result r = Netns.sh(5, "ip netns exec afp-c curl -s --max-time 2 http://" + VIP + "/who");
                if (r.ok()) {
                    hits.merge(r.output().strip(), 1, Integer::sum);
                } else {
                    failures++;
                }
            }
            String text = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, failures, "failed connections; hits " + hits + "; log:\n" + text);
            assertEquals(List.of("r1", "r2"), List.copyOf(hits.keySet()), "both servers answer: " + hits);
            assertTrue(text.contains("backend " + backend), "the configured backend is in use; log:\n" + text);
            if (rxRing.equals("blocks")) {
                assertTrue(text.contains("TPACKET_V3"), "RX in blocks; log:\n" + text);
            }
            assertTrue(text.contains(mode + " mode with " + (mode.equals("ring") ? 2 : 1) + " worker(s)"),
                    "ring mode sends through one socket per worker; log:\n" + text);
            assertFalse(text.contains("restricted method"), "no native-access warning with java -jar; log:\n" + text);
            if (backend.equals("afpacket")) {
                // A reload adds a VIP: its frames must get through the replaced kernel filter. (pcap4j
                // builds its filter once, so there the new VIP stays filtered until a restart.)
                String yaml = Files.readString(config);
                Files.writeString(config, yaml.replace("clusters:\n", """
                        clusters:
                          - address: %s
                            ports:
                              - port: 80
                                protocol: tcp
                                servers:
                                  - address: 198.18.2.11
                        """.formatted(VIP2)));
                assertTrue(Netns.sh(5, "kill -HUP " + dispatcher.pid()).ok());
                boolean answered = false;
                long reloadDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (!answered && System.nanoTime() < reloadDeadline) {
                    Netns.Result r = Netns.sh(5, "ip netns exec afp-c curl -s --max-time 1 http://" + VIP2 + "/who");
                    answered = r.ok() && r.output().strip().equals("r1");
                    if (!answered) {
                        Thread.sleep(200);
                    }
                }
                assertTrue(answered,
                        "the VIP added by the reload answers; log:\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
        } finally {
            dispatcher.destroy();
            if (!dispatcher.waitFor(10, TimeUnit.SECONDS)) {
                dispatcher.destroyForcibly();
                dispatcher.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
