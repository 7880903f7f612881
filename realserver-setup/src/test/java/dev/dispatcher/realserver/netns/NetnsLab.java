package dev.dispatcher.realserver.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dispatcher.realserver.json.Json;
import dev.dispatcher.realserver.json.JsonFields;
import dev.dispatcher.realserver.kernel.IpTool;
import dev.dispatcher.realserver.kernel.Privileges;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A real server and a neighbour on one bridge, each in its own network namespace:
 *
 * <pre>
 *   rss-PID-cl: eth0 198.18.1.20/24 ──┐                  ┌── rss-PID-rs: eth1 198.18.1.10/24, VIPs on lo
 *                                     └─ rss-PID-br: br0 ─┘
 * </pre>
 *
 * The bridge has its own namespace so nothing touches the root namespace. Only 198.18.1.0/24 is
 * used (the dispatcher's lab uses 198.18.0.0/24). Every external command has a deadline.
 */
final class NetnsLab implements AutoCloseable {
    /** Unique per test JVM, so two runs on one machine (a developer's and CI's) never share a namespace. */
    private static final String PREFIX = "rss-" + ProcessHandle.current().pid() + "-";
    private static final Pattern OURS = Pattern.compile("rss-(\\d+)-(br|rs|cl)");
    static final String BRIDGE = PREFIX + "br";
    static final String SERVER = PREFIX + "rs";
    static final String CLIENT = PREFIX + "cl";
    static final String SERVER_IP = "198.18.1.10";
    static final String CLIENT_IP = "198.18.1.20";
    static final List<String> NAMESPACES = List.of(BRIDGE, SERVER, CLIENT);
    private static final long DEADLINE_SECONDS = 20;

    static final Path JAR = Path.of("target/realserver-setup.jar").toAbsolutePath();
    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    final String serverMac;

    private NetnsLab(String serverMac) {
        this.serverMac = serverMac;
    }

    /** Fails under CI=true and skips elsewhere when this machine cannot run namespaces. */
    static void requireCapable() {
        String reason = null;
        try {
            if (Privileges.read(Path.of("/proc/self/status")).effectiveUid() != 0) {
                reason = "the netns tests need root";
            } else if (IpTool.locate(System.getenv("PATH")).isEmpty()) {
                reason = "the netns tests need iproute2's ip";
            } else if (!run("ip", "netns", "list").ok()) {
                reason = "ip netns does not work here";
            } else if (!run("sh", "-c", "command -v arping").ok()) {
                reason = "the netns tests need arping (apt-get install arping)";
            }
        } catch (RuntimeException ex) {
            reason = "cannot tell whether netns tests can run: " + ex;
        }
        if (reason != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail(reason + " (CI=true: not skipping)");
            }
            Assumptions.abort(reason);
        }
        assertTrue(Files.isRegularFile(JAR), "build the jar first (mvn verify runs package before the ITs): " + JAR);
    }

    static NetnsLab create() {
        destroyAll();
        try {
            for (String ns : NAMESPACES) {
                must("ip", "netns", "add", ns);
            }
            must("ip", "-n", BRIDGE, "link", "add", "br0", "type", "bridge");
            must("ip", "-n", BRIDGE, "link", "set", "br0", "up");
            must("ip", "-n", BRIDGE, "link", "add", "rs-p", "type", "veth", "peer", "name", "eth1", "netns", SERVER);
            must("ip", "-n", BRIDGE, "link", "add", "cl-p", "type", "veth", "peer", "name", "eth0", "netns", CLIENT);
            for (String port : List.of("rs-p", "cl-p")) {
                must("ip", "-n", BRIDGE, "link", "set", port, "master", "br0", "up");
            }
            must("ip", "-n", SERVER, "addr", "add", SERVER_IP + "/24", "dev", "eth1");
            must("ip", "-n", CLIENT, "addr", "add", CLIENT_IP + "/24", "dev", "eth0");
            for (String[] link : new String[][] {{SERVER, "eth1"}, {SERVER, "lo"}, {CLIENT, "eth0"}, {CLIENT, "lo"}}) {
                must("ip", "-n", link[0], "link", "set", link[1], "up");
            }
            // New namespaces copy conf/all from the root namespace; pin the kernel defaults the tests assume.
            for (String ns : List.of(SERVER, CLIENT)) {
                for (String key : List.of("conf/all/arp_ignore", "conf/all/arp_announce", "conf/all/rp_filter",
                        "conf/default/rp_filter", "conf/eth1/arp_ignore", "conf/eth1/arp_announce",
                        "conf/eth1/rp_filter")) {
                    if (ns.equals(SERVER) || !key.contains("eth1")) {
                        sysctl(ns, "net/ipv4/" + key, "0");
                    }
                }
            }
            sysctl(SERVER, "net/ipv4/icmp_echo_ignore_broadcasts", "1");
            Map<String, Object> eth1 = JsonFields.object(
                    JsonFields.list(Json.parse(must("ip", "-n", SERVER, "-json", "link", "show", "eth1").stdout()),
                            "links").getFirst(), "eth1");
            return new NetnsLab(JsonFields.string(eth1, "address"));
        } catch (RuntimeException | AssertionError ex) {
            destroyAll();
            throw ex;
        }
    }

    /**
     * Deletes every namespace of this lab, and those left by test JVMs that died before their
     * cleanup ran; safe to call when some or none exist.
     */
    static void destroyAll() {
        if (IpTool.locate(System.getenv("PATH")).isEmpty()) {
            return; // nothing can have been created
        }
        for (String ns : NAMESPACES) {
            if (Files.exists(Path.of("/run/netns", ns))) {
                run("ip", "netns", "del", ns);
            }
        }
        for (String line : run("ip", "netns", "list").stdout().lines().toList()) {
            Matcher m = OURS.matcher(line.split(" ")[0]);
            if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                run("ip", "netns", "del", m.group());
            }
        }
    }

    @Override
    public void close() {
        destroyAll();
    }

    // ---- commands -------------------------------------------------------------------------

    record Result(int exit, String stdout, String stderr) {
        boolean ok() {
            return exit == 0;
        }

        /** What a terminal shows: stdout, then stderr. */
        String shown() {
            return stdout + stderr;
        }
    }

    static Result run(String... argv) {
        return runWith(Map.of(), List.of(argv));
    }

    static Result runWith(Map<String, String> env, List<String> argv) {
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
            p.getOutputStream().close();
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot run " + argv, ex);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        try {
            if (!p.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(argv + " did not finish within " + DEADLINE_SECONDS + " s");
            }
            return new Result(p.exitValue(), out.get(), err.get());
        } catch (InterruptedException | ExecutionException ex) {
            p.destroyForcibly();
            throw new IllegalStateException(ex);
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static Result must(String... argv) {
        Result r = run(argv);
        assertEquals(0, r.exit(), String.join(" ", argv) + ": " + r.shown());
        return r;
    }

    static Result in(String ns, String... argv) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        all.addAll(List.of(argv));
        return run(all.toArray(String[]::new));
    }

    static Result mustIn(String ns, String... argv) {
        Result r = in(ns, argv);
        assertEquals(0, r.exit(), ns + ": " + String.join(" ", argv) + ": " + r.shown());
        return r;
    }

    /** Runs the built jar inside the real server's namespace, as the lab and an operator would. */
    static Result tool(String... args) {
        return toolWith(Map.of(), List.of(), args);
    }

    /** The jar with extra environment (e.g. PATH) and a command prefix (e.g. setpriv). */
    static Result toolWith(Map<String, String> env, List<String> prefix, String... args) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", SERVER));
        argv.addAll(prefix);
        argv.addAll(List.of(JAVA, "-XX:TieredStopAtLevel=1", "-jar", JAR.toString()));
        argv.addAll(List.of(args));
        return runWith(env, argv);
    }

    static String sysctl(String ns, String key) {
        return mustIn(ns, "cat", "/proc/sys/" + key).stdout().strip();
    }

    static void sysctl(String ns, String key, String value) {
        mustIn(ns, "sh", "-c", "echo " + value + " > /proc/sys/" + key);
    }

    /**
     * {@code ip -json addr show} of the namespace, without what the kernel changes by itself
     * (lifetimes, IPv6 duplicate address detection finishing), so snapshots compare.
     */
    static String addresses(String ns) {
        return mustIn(ns, "ip", "-json", "addr", "show").stdout()
                .replaceAll("\"(valid|preferred)_life_time\":\\d+,?", "")
                .replace("\"tentative\":true,", "");
    }

    // ---- traffic ------------------------------------------------------------------------------

    private static final Pattern HABETS_REPLY = Pattern.compile("bytes from ([0-9a-f:]{17}) \\(");
    private static final Pattern IPUTILS_REPLY = Pattern.compile("reply from \\S+ \\[([0-9A-Fa-f:]{17})\\]");

    /**
     * The MAC addresses that answered three ARP requests for {@code target} from the neighbour,
     * bounded to three seconds. Handles both arping implementations: Thomas Habets' ({@code -i},
     * "60 bytes from MAC (IP)") and iputils' ({@code -I}, "Unicast reply from IP [MAC]").
     */
    static List<String> arpingReplies(String target) {
        boolean habets = run("sh", "-c", "arping --help 2>&1; arping -h 2>&1").shown().contains("Habets");
        Result r = habets
                ? in(CLIENT, "arping", "-c", "3", "-w", "3", "-i", "eth0", target)
                : in(CLIENT, "arping", "-c", "3", "-w", "3", "-I", "eth0", target);
        Matcher m = (habets ? HABETS_REPLY : IPUTILS_REPLY).matcher(r.stdout());
        List<String> macs = new ArrayList<>();
        while (m.find()) {
            macs.add(m.group(1).toLowerCase(java.util.Locale.ROOT));
        }
        return macs;
    }

    /** Echo replies received for three pings, sent 0.2 s apart, each waited for at most 1 s. */
    static int pingReplies(String ns, String... args) {
        List<String> argv = new ArrayList<>(List.of("ping", "-c", "3", "-i", "0.2", "-W", "1"));
        argv.addAll(List.of(args));
        Result r = in(ns, argv.toArray(String[]::new));
        Matcher m = Pattern.compile("(\\d+) received").matcher(r.stdout());
        assertTrue(m.find(), "ping summary: " + r.shown());
        return Integer.parseInt(m.group(1));
    }

    /** The real server's count of packets dropped by rp_filter (TcpExt IPReversePathFilter). */
    static long reversePathDrops() {
        List<String> lines = mustIn(SERVER, "cat", "/proc/net/netstat").stdout().lines()
                .filter(l -> l.startsWith("TcpExt:")).toList();
        List<String> names = List.of(lines.get(0).split("\\s+"));
        String[] values = lines.get(1).split("\\s+");
        return Long.parseLong(values[names.indexOf("IPReversePathFilter")]);
    }
}
