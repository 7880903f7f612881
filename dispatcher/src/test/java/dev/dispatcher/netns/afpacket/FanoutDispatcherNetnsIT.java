package dev.dispatcher.netns.afpacket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.Ipv4;
import dev.dispatcher.dataplane.core.FlowKey;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole dispatcher ({@code java -jar}) in fanout mode with two workers, in a lab of its own on
 * 198.18.6.0/24 whose namespace names carry our pid (fo&lt;pid&gt;-c client .1, -d dispatcher .2,
 * -r1/-r2 real servers .11/.12 with VIP .100 hidden on lo, all on a bridge in -sw): ARP for the
 * VIP is answered exactly once per request (one ARP socket, read by worker 0 alone); 64 UDP flows
 * of 3 datagrams each are all answered, each flow by one server, both servers used; both workers
 * received frames (the kernel's fanout hash spread the flows); a reload that adds a VIP reaches
 * the group's and the ARP socket's filters. Needs the shaded jar: Failsafe, after package.
 */
class FanoutDispatcherNetnsIT {
    private static final String PREFIX = "fo" + ProcessHandle.current().pid();
    private static final String VIP = "198.18.6.100";
    private static final String VIP2 = "198.18.6.101";
    private static final int PORT = 7;
    private static final int FLOWS = 64;
    private static final int ROUNDS = 3;
    private static final String[][] HOSTS = {
        {"c", "198.18.6.1", "02:f0:00:00:06:01"},
        {"d", "198.18.6.2", "02:f0:00:00:06:02"},
        {"r1", "198.18.6.11", "02:f0:00:00:06:11"},
        {"r2", "198.18.6.12", "02:f0:00:00:06:12"},
    };
    private static final Path LAB = Path.of("/tmp", PREFIX + "-lab");
    private static final Path JAR = Path.of("target/dispatcher.jar").toAbsolutePath();

    /** A UDP server that answers every datagram with its name (argv[2]). */
    private static final String SERVER = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("0.0.0.0", int(sys.argv[1])))
            while True:
                data, peer = s.recvfrom(2048)
                s.sendto(sys.argv[2].encode(), peer)
            """;
    /** FLOWS client ports, ROUNDS datagrams each, interleaved; prints "flow round answer" per datagram. */
    private static final String CLIENT = """
            import socket, sys
            vip, port, flows, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
            socks = []
            for i in range(flows):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("0.0.0.0", 30000 + i))
                s.settimeout(2)
                socks.append(s)
            for r in range(rounds):
                for i, s in enumerate(socks):
                    s.sendto(b"%d %d" % (i, r), (vip, port))
                    try:
                        data, _ = s.recvfrom(2048)
                        print(i, r, data.decode())
                    except socket.timeout:
                        print(i, r, "timeout")
            """;
    /** Sends argv[5] ARP requests for argv[4], one every 0.7 s; prints how many replies came back. */
    private static final String ARP = """
            import socket, struct, sys, time
            ifc, mac, ip, vip, n = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", "")), \\
                socket.inet_aton(sys.argv[3]), socket.inet_aton(sys.argv[4]), int(sys.argv[5])
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
            s.bind((ifc, 0))
            s.settimeout(0.05)
            replies = 0
            for _ in range(n):
                s.send(b"\\xff" * 6 + mac + b"\\x08\\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + ip
                       + b"\\x00" * 6 + vip)
                end = time.time() + 0.7
                while time.time() < end:
                    try:
                        f = s.recv(2048)
                    except socket.timeout:
                        continue
                    if len(f) >= 42 and f[12:14] == b"\\x08\\x06" and f[20:22] == b"\\x00\\x02" and f[28:32] == vip:
                        replies += 1
            print(replies)
            """;

    private static String ns(String host) {
        return PREFIX + "-" + host;
    }

    @BeforeAll
    static void createLab() throws Exception {
        Netns.require();
        deleteLab();
        Files.createDirectories(LAB);
        Files.writeString(LAB.resolve("server.py"), SERVER);
        Files.writeString(LAB.resolve("client.py"), CLIENT);
        Files.writeString(LAB.resolve("arp.py"), ARP);
        List<String> s = new ArrayList<>();
        s.add("ip netns add " + ns("sw"));
        s.add("ip -n " + ns("sw") + " link add br0 type bridge");
        s.add("ip -n " + ns("sw") + " link set br0 up");
        for (String[] h : HOSTS) {
            String ns = ns(h[0]);
            s.add("ip netns add " + ns);
            s.add("ip netns exec " + ns
                    + " sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
            s.add("ip link add eth0 netns " + ns + " type veth peer name " + h[0] + " netns " + ns("sw"));
            s.add("ip -n " + ns + " link set eth0 address " + h[2]);
            s.add("ip -n " + ns + " addr add " + h[1] + "/24 dev eth0");
            s.add("ip -n " + ns + " link set lo up");
            s.add("ip -n " + ns + " link set eth0 up");
            s.add("ip -n " + ns("sw") + " link set dev " + h[0] + " master br0 up");
        }
        // Finished checksums on the wire (docs/PACKET-IO.md, checksum offload), no GRO on the dispatcher.
        s.add("ip netns exec " + ns("c") + " ethtool -K eth0 tx off tso off gso off >/dev/null");
        s.add("ip netns exec " + ns("d") + " ethtool -K eth0 gro off >/dev/null");
        for (String rs : List.of("r1", "r2")) {
            String ns = ns(rs);
            s.add("ip -n " + ns + " addr add " + VIP + "/32 scope host dev lo");
            s.add("ip -n " + ns + " addr add " + VIP2 + "/32 scope host dev lo");
            s.add("ip netns exec " + ns
                    + " sysctl -qw net.ipv4.conf.all.arp_ignore=3 net.ipv4.conf.all.arp_announce=2");
            s.add("ip netns exec " + ns + " ethtool -K eth0 tx off tso off gso off >/dev/null");
            s.add("(ip netns exec " + ns + " python3 " + LAB.resolve("server.py") + " " + PORT + " " + rs
                    + " </dev/null >" + LAB.resolve(rs + ".log") + " 2>&1 &)");
        }
        Netns.must(String.join(" && ", s));
    }

    @AfterAll
    static void deleteLab() {
        StringBuilder s = new StringBuilder();
        for (String host : List.of("c", "d", "r1", "r2", "sw")) {
            // Processes in the namespace first (the UDP servers), then the namespace.
            s.append("for p in $(ip netns pids ").append(ns(host)).append(" 2>/dev/null); do kill $p; done; ");
            s.append("ip netns del ").append(ns(host)).append(" 2>/dev/null; ");
        }
        s.append("rm -rf ").append(LAB).append("; true");
        Netns.sh(20, s.toString());
    }

    @Test
    void twoWorkersOnTheirOwnSocketsForwardEveryFlowToOneServerAndWorkerZeroAnswersArp(@TempDir Path dir)
            throws Exception {
        assertTrue(Files.exists(JAR), "needs " + JAR + " (mvn verify builds it before the integration tests)");
        Path config = dir.resolve("dispatcher.yaml");
        // The flow snapshot goes to the test's directory, not to the host's /var/lib/dispatcher.
        Files.writeString(config, "state-dir: " + dir.resolve("state") + "\n" + """
                interface: eth0
                clusters:
                  - address: %s
                    ports:
                      - port: %d
                        protocol: udp
                        servers:
                          - address: 198.18.6.11
                          - address: 198.18.6.12
                arp:
                  gratuitous-count: 0              # only answers to our own requests are counted
                io:
                  backend: afpacket
                  buffer-size: 2MiB
                pipeline:
                  mode: fanout
                  workers: 2
                admin:
                  listen: 127.0.0.1:9100
                  token-file: %s
                """.formatted(VIP, PORT, dir.resolve("admin.token")));
        Path log = dir.resolve("dispatcher.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process dispatcher = new ProcessBuilder("ip", "netns", "exec", ns("d"), java, "-XX:+UseSerialGC", "-jar",
                JAR.toString(), "run", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            // Up to 30 s until both real servers are resolved (JVM start, ARP).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline && dispatcher.isAlive() && !(read(log).contains("198.18.6.11 is at")
                    && read(log).contains("198.18.6.12 is at"))) {
                Thread.sleep(200);
            }
            String started = read(log);
            assertTrue(started.contains("198.18.6.11 is at") && started.contains("198.18.6.12 is at"),
                    "both real servers resolved within 30 s; log:\n" + started);
            assertTrue(started.contains("fanout mode with 2 worker(s)"), "fanout with 2 workers; log:\n" + started);
            assertFalse(started.contains("restricted method"),
                    "no native-access warning with java -jar; log:\n" + started);

            // One ARP socket outside the group, read by worker 0 only: one reply per request.
            Netns.Result arp = Netns.run(30, List.of("ip", "netns", "exec", ns("c"), "python3",
                    LAB.resolve("arp.py").toString(), "eth0", HOSTS[0][2], HOSTS[0][1], VIP, "5"));
            assertTrue(arp.ok(), "ARP client: " + arp.output());
            assertEquals("5", arp.output().strip(), "5 ARP requests for the VIP, 5 replies; log:\n" + read(log));

            Netns.Result udp = Netns.run(120, List.of("ip", "netns", "exec", ns("c"), "python3",
                    LAB.resolve("client.py").toString(), VIP, Integer.toString(PORT), Integer.toString(FLOWS),
                    Integer.toString(ROUNDS)));
            assertTrue(udp.ok(), "UDP client: " + udp.output());
            Map<Integer, Set<String>> serversByFlow = new HashMap<>();
            int answered = 0;
            for (String line : udp.output().strip().split("\n")) {
                String[] f = line.strip().split(" ");
                if (f.length == 3 && !f[2].equals("timeout")) {
                    answered++;
                    serversByFlow.computeIfAbsent(Integer.parseInt(f[0]), k -> new HashSet<>()).add(f[2]);
                }
            }
            assertEquals(FLOWS * ROUNDS, answered,
                    "every datagram answered:\n" + udp.output() + "\nlog:\n" + read(log));
            Set<String> servers = new HashSet<>();
            for (Map.Entry<Integer, Set<String>> e : serversByFlow.entrySet()) {
                assertEquals(1, e.getValue().size(), "flow " + e.getKey() + " stays on one server: " + e.getValue());
                servers.addAll(e.getValue());
            }
            assertEquals(Set.of("r1", "r2"), servers, "both servers get flows");

            // The group's steering program sent each flow to the worker its FlowKey names: worker 1
            // (which never sees ARP) received exactly the datagrams of the flows computed for it.
            int computedForWorker1 = 0;
            for (int i = 0; i < FLOWS; i++) {
                FlowKey key = new FlowKey().ipv4(Ipv4.parse(HOSTS[0][1]), Ipv4.parse(VIP), 30000 + i, PORT, 17);
                computedForWorker1 += key.shard(2);
            }
            assertTrue(computedForWorker1 > 0 && computedForWorker1 < FLOWS, "the flows spread over both workers");
            Netns.Result metrics = Netns.run(10, List.of("ip", "netns", "exec", ns("d"), "curl", "-s", "-m", "5",
                    "http://127.0.0.1:9100/metrics"));
            Matcher frames = Pattern.compile("dispatcher_worker_frames_total\\{worker=\"dispatcher-fwd-1\"\\} (\\S+)")
                    .matcher(metrics.output());
            assertTrue(frames.find(), "worker 1's frame counter in /metrics:\n" + metrics.output());
            assertEquals(ROUNDS * computedForWorker1, (long) Double.parseDouble(frames.group(1)),
                    "worker 1 received exactly the datagrams of the " + computedForWorker1
                            + " flows FlowKey.shard puts on it");

            // A reload adds a VIP: the group's filter and the ARP socket's must both follow.
            String yaml = Files.readString(config);
            Files.writeString(config, yaml.replace("clusters:\n", """
                    clusters:
                      - address: %s
                        ports:
                          - port: %d
                            protocol: udp
                            servers:
                              - address: 198.18.6.11
                    """.formatted(VIP2, PORT)));
            assertTrue(Netns.sh(5, "kill -HUP " + dispatcher.pid()).ok());
            boolean answeredOnVip2 = false;
            long reloadDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!answeredOnVip2 && System.nanoTime() < reloadDeadline) {
                Netns.Result r = Netns.run(10, List.of("ip", "netns", "exec", ns("c"), "python3",
                        LAB.resolve("client.py").toString(), VIP2, Integer.toString(PORT), "1", "1"));
                answeredOnVip2 = r.ok() && r.output().strip().equals("0 0 r1");
                if (!answeredOnVip2) {
                    Thread.sleep(300);
                }
            }
            assertTrue(answeredOnVip2, "the VIP added by the reload answers; log:\n" + read(log));
            // Many flows, so that every member of the group (not only the one flow 0 hashes to)
            // must have taken the new filter.
            Netns.Result many = Netns.run(60, List.of("ip", "netns", "exec", ns("c"), "python3",
                    LAB.resolve("client.py").toString(), VIP2, Integer.toString(PORT), "16", "1"));
            assertTrue(many.ok(), "UDP client: " + many.output());
            long onVip2 = many.output().strip().lines().filter(l -> l.strip().endsWith(" r1")).count();
            assertEquals(16, onVip2, "all 16 flows to the reloaded VIP answered:\n" + many.output());
        } finally {
            dispatcher.destroy();
            if (!dispatcher.waitFor(15, TimeUnit.SECONDS)) {
                dispatcher.destroyForcibly();
                dispatcher.waitFor(5, TimeUnit.SECONDS);
            }
        }
        // The final account, written on SIGTERM: both workers received frames.
        String text = read(log);
        Matcher m = Pattern.compile("received by worker: dispatcher-fwd-0 (\\d+), dispatcher-fwd-1 (\\d+)")
                .matcher(text);
        assertTrue(m.find(), "per-worker account in the log:\n" + text);
        long worker0 = Long.parseLong(m.group(1));
        long worker1 = Long.parseLong(m.group(2));
        assertTrue(worker0 > 0 && worker1 > 0, "the steering program spread the flows over both workers: " + m.group());
        assertTrue(worker0 + worker1 >= FLOWS * ROUNDS, "every datagram was received by one worker: " + m.group());
    }

    private static String read(Path log) throws java.io.IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }
}
