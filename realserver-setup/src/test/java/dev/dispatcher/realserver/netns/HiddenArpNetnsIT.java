package dev.dispatcher.realserver.netns;

import static dev.dispatcher.realserver.netns.NetnsLab.CLIENT;
import static dev.dispatcher.realserver.netns.NetnsLab.CLIENT_IP;
import static dev.dispatcher.realserver.netns.NetnsLab.SERVER;
import static dev.dispatcher.realserver.netns.NetnsLab.SERVER_IP;
import static dev.dispatcher.realserver.netns.NetnsLab.addresses;
import static dev.dispatcher.realserver.netns.NetnsLab.arpingReplies;
import static dev.dispatcher.realserver.netns.NetnsLab.in;
import static dev.dispatcher.realserver.netns.NetnsLab.mustIn;
import static dev.dispatcher.realserver.netns.NetnsLab.sysctl;
import static dev.dispatcher.realserver.netns.NetnsLab.tool;
import static dev.dispatcher.realserver.netns.NetnsLab.toolWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.realserver.json.Json;
import dev.dispatcher.realserver.json.JsonFields;
import dev.dispatcher.realserver.kernel.IpTool;
import dev.dispatcher.realserver.netns.NetnsLab.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built jar against a real kernel: a real server namespace and a neighbour on a bridge. Each
 * test gets fresh namespaces; ARP traffic is bounded (arping -c 3 -w 3, ping -c 3 -W 1).
 */
class HiddenArpNetnsIT {
    private static final String VIP = "198.18.1.100";
    private static final List<String> SETTINGS = List.of("net/ipv4/conf/all/arp_ignore",
            "net/ipv4/conf/all/arp_announce",
            "net/ipv4/conf/all/rp_filter", "net/ipv4/icmp_echo_ignore_broadcasts", "net/ipv4/conf/eth1/arp_ignore",
            "net/ipv4/conf/eth1/arp_announce", "net/ipv4/conf/eth1/rp_filter");

    @TempDir
    Path tmp;
    NetnsLab lab;
    String stateDir;

    @BeforeAll
    static void capable() {
        NetnsLab.requireCapable();
    }

    @BeforeEach
    void up() {
        lab = NetnsLab.create();
        stateDir = tmp.resolve("rs1").toString();
    }

    @AfterEach
    void down() {
        if (lab != null) {
            lab.close();
        }
    }

    @AfterAll
    static void cleanUp() {
        NetnsLab.destroyAll();
    }

    /** Every setting the command may touch, and every address, of the real server. */
    private static Map<String, String> snapshot() {
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : SETTINGS) {
            values.put(key, sysctl(SERVER, key));
        }
        values.put("addresses", addresses(SERVER));
        return values;
    }

    private static Result ok(Result r) {
        assertEquals(0, r.exit(), r.shown());
        return r;
    }

    private static void assertOneLineError(Result r, int exit, String start) {
        assertEquals(exit, r.exit(), r.shown());
        assertTrue(r.stderr().startsWith(start), r.stderr());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
    }

    @Test
    void aVipOnLoIsAnsweredForUntilApplyHidesIt() {
        // The usual hand setup: the VIP on lo, kernel defaults. The real server answers ARP for it.
        mustIn(SERVER, "ip", "addr", "add", VIP + "/32", "dev", "lo");
        List<String> before = arpingReplies(VIP);
        assertFalse(before.isEmpty(), "with default sysctls the real server answers ARP for the VIP");
        assertTrue(before.stream().allMatch(lab.serverMac::equals), before + " should all be " + lab.serverMac);

        ok(tool("apply", "--vip", VIP, "--state-dir", stateDir));

        assertEquals(List.of(), arpingReplies(VIP), "after apply nobody answers ARP for the VIP");
        assertFalse(arpingReplies(SERVER_IP).isEmpty(), "the real server still answers for its own address");
    }

    @Test
    void applyCheckRemoveRoundTripRestoresEveryEarlierValue() throws IOException {
        // Earlier values that differ from both the kernel defaults and what apply sets, and an
        // unrelated address on lo that holds the label lo:1.
        sysctl(SERVER, "net/ipv4/conf/all/arp_announce", "1");
        sysctl(SERVER, "net/ipv4/conf/all/rp_filter", "2");
        sysctl(SERVER, "net/ipv4/icmp_echo_ignore_broadcasts", "0");
        mustIn(SERVER, "ip", "addr", "add", "198.18.1.200/32", "dev", "lo", "label", "lo:1");
        Map<String, String> original = snapshot();
        Path state = Path.of(stateDir, "state.json");

        Result check = tool("check", "--vip", VIP);
        assertEquals(1, check.exit(), check.shown());
        assertTrue(check.stdout().contains("eth1: arp_ignore is 0 (all=0, eth1=0): this host would answer ARP for "
                + VIP), check.stdout());

        Result plan = ok(tool("plan", "--vip", VIP, "--state-dir", stateDir));
        assertTrue(plan.stdout().contains("sysctl net.ipv4.conf.all.arp_announce: 1 -> 2"), plan.stdout());
        assertTrue(plan.stdout().contains("sysctl net.ipv4.icmp_echo_ignore_broadcasts: 0 -> 1"), plan.stdout());
        assertEquals(original, snapshot(), "plan changes nothing");
        assertFalse(Files.exists(state));

        Result apply = ok(tool("apply", "--vip", VIP, "--state-dir", stateDir));
        assertTrue(apply.stdout().contains("done: ip -4 addr add " + VIP + "/32 dev lo scope host label lo:2"),
                apply.stdout());
        assertTrue(apply.stdout().endsWith("check: ok\n"), apply.stdout());
        Map<String, String> applied = snapshot();
        assertEquals("3", applied.get("net/ipv4/conf/all/arp_ignore"));
        assertEquals("2", applied.get("net/ipv4/conf/all/arp_announce"));
        assertEquals("1", applied.get("net/ipv4/conf/all/rp_filter"));
        assertEquals("1", applied.get("net/ipv4/icmp_echo_ignore_broadcasts"));
        String recorded = Files.readString(state);

        Result again = ok(tool("apply", "--vip", VIP, "--state-dir", stateDir));
        assertEquals("Nothing to change: " + VIP + " (arp_ignore 3) is already set up; no changes made.\n",
                again.stdout());
        assertEquals(applied, snapshot());
        assertEquals(recorded, Files.readString(state));

        assertEquals("ok: " + VIP + " on lo as /32 scope host; hidden on eth1 (arp_ignore 3, arp_announce 2)\n",
                ok(tool("check", "--vip", VIP)).stdout());
        Map<String, Object> json = JsonFields.object(
                Json.parse(ok(tool("check", "--json", "--state-dir", stateDir)).stdout()), "check");
        assertEquals(Boolean.TRUE, json.get("ok"));
        assertEquals(List.of(VIP), json.get("vips"));
        assertTrue(ok(tool("status", "--state-dir", stateDir)).stdout()
                .contains(VIP + ": " + VIP + "/32 on lo, scope host, label lo:2 (added by apply)"));

        Result remove = ok(tool("remove", "--state-dir", stateDir));
        assertTrue(remove.stdout().contains("done: sysctl net.ipv4.conf.all.rp_filter: 1 -> 2"), remove.stdout());
        assertEquals(original, snapshot(), "remove restores every earlier value and leaves 198.18.1.200 alone");
        assertFalse(Files.exists(state));
        assertEquals(1, tool("check", "--vip", VIP).exit());
        assertEquals("Nothing to remove: no state in " + stateDir + " (apply has not run with this --state-dir).\n",
                ok(tool("remove", "--state-dir", stateDir)).stdout());
    }

    @Test
    void checkFailsWhenConfAllArpIgnoreIsResetAndNoInterfaceRaisesIt() {
        ok(tool("apply", "--vip", VIP, "--state-dir", stateDir));
        sysctl(SERVER, "net/ipv4/conf/all/arp_ignore", "0");

        Result check = tool("check", "--vip", VIP);
        assertEquals(1, check.exit(), check.shown());
        assertEquals("eth1: arp_ignore is 0 (all=0, eth1=0): this host answers ARP for " + VIP + "\n", check.stdout());
        assertEquals(List.of(lab.serverMac, lab.serverMac, lab.serverMac).subList(0, 1),
                arpingReplies(VIP).subList(0, 1), "the kernel agrees: the real server answers");

        // max(all, eth1): raising the interface alone hides the VIP again, and check agrees.
        sysctl(SERVER, "net/ipv4/conf/eth1/arp_ignore", "1");
        assertEquals(0, tool("check", "--vip", VIP).exit());
        assertEquals(List.of(), arpingReplies(VIP));
    }

    @Test
    void checkFailsWhenTheEffectiveValueIsThreeButTheVipLacksScopeHost() {
        ok(tool("apply", "--vip", VIP, "--state-dir", stateDir));
        mustIn(SERVER, "ip", "addr", "del", VIP + "/32", "dev", "lo");
        mustIn(SERVER, "ip", "addr", "add", VIP + "/32", "dev", "lo", "label", "lo:1");

        Result check = tool("check", "--vip", VIP);
        assertEquals(1, check.exit(), check.shown());
        assertTrue(check.stdout().contains("eth1: arp_ignore is 3 (all=3, eth1=0) but " + VIP
                + " on lo lacks scope host: this host answers ARP for " + VIP + "\n"), check.stdout());
        assertFalse(arpingReplies(VIP).isEmpty(), "the kernel agrees: arp_ignore 3 hides only scope host");

        // The same when the 3 comes from the interface rather than from conf/all.
        sysctl(SERVER, "net/ipv4/conf/all/arp_ignore", "0");
        sysctl(SERVER, "net/ipv4/conf/eth1/arp_ignore", "3");
        Result viaInterface = tool("check", "--vip", VIP);
        assertEquals(1, viaInterface.exit());
        assertTrue(viaInterface.stdout().contains("eth1: arp_ignore is 3 (all=0, eth1=3) but " + VIP
                + " on lo lacks scope host"), viaInterface.stdout());
    }

    @Test
    void aFailureHalfWayThroughApplyRollsBackWhatItHadChanged() throws IOException {
        // An ip that refuses the second VIP, as a kernel would refuse an address (e.g. in a
        // container without the capability); everything else goes to the real ip.
        String realIp = IpTool.locate(System.getenv("PATH")).orElseThrow().toString();
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path fakeIp = bin.resolve("ip");
        Files.writeString(fakeIp, "#!/bin/sh\ncase \"$*\" in *'addr add 198.18.1.102/32'*)\n"
                + "  echo 'RTNETLINK answers: Operation not permitted' >&2; exit 2;;\nesac\nexec " + realIp
                + " \"$@\"\n");
        Files.setPosixFilePermissions(fakeIp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> before = snapshot();

        Result r = toolWith(Map.of("PATH", bin + ":" + System.getenv("PATH")), List.of(),
                "apply", "--vip", VIP, "--vip", "198.18.1.102", "--state-dir", stateDir);
        assertOneLineError(r, 1,
                "realserver-setup: error: apply failed at step 5 of 5: ip -4 addr add 198.18.1.102/32 dev lo"
                + " scope host label lo:2 failed: RTNETLINK answers: Operation not permitted; "
                + "rolled back the 4 changes made before it");
        assertTrue(r.stdout().contains("done: ip -4 addr add " + VIP + "/32"),
                "the first VIP had been added: " + r.stdout());
        assertEquals(before, snapshot(), "every change is rolled back");
        assertFalse(Files.exists(Path.of(stateDir, "state.json")));
    }

    @Test
    void badInputGivesOneLineAndChangesNothing() throws IOException {
        Map<String, String> before = snapshot();

        assertOneLineError(tool("apply", "--vip", "198.18.1.300", "--state-dir", stateDir), 2,
                "realserver-setup: Invalid value for option '--vip' (ADDRESS): '198.18.1.300' is not an IPv4 address");
        assertOneLineError(tool("apply", "--vip", SERVER_IP, "--state-dir", stateDir), 1,
                "realserver-setup: error: " + SERVER_IP + " is configured on eth1 (" + SERVER_IP + "/24)");
        assertOneLineError(toolWith(Map.of("PATH", tmp.resolve("no-such-dir").toString()), List.of(),
                "apply", "--vip", VIP, "--state-dir", stateDir), 1,
                "realserver-setup: error: the ip command (iproute2) is not on PATH");

        // Not root: the jar is copied where the unprivileged user can read it, whatever the checkout's permissions.
        Path shared = Files.createTempDirectory("rss-jar");
        try {
            Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path jar = Files.copy(NetnsLab.JAR, shared.resolve("realserver-setup.jar"));
            Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
            Result notRoot = in(SERVER, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    NetnsLab.JAVA, "-jar", jar.toString(), "apply", "--vip", VIP, "--state-dir", stateDir);
            assertOneLineError(notRoot, 1,
                    "realserver-setup: error: apply must run as root (effective uid is 65534); nothing was changed");
            Files.delete(jar);
        } finally {
            Files.delete(shared);
        }

        assertEquals(before, snapshot());
        assertFalse(Files.exists(Path.of(stateDir)), "not even the state directory was created");
    }

    /**
     * rp_filter=1 as the recipe sets it does not drop what the dispatcher forwards. The dispatcher
     * rewrites only the destination MAC, which the neighbour entry below reproduces: frames for the
     * VIP go to the real server's MAC with the client's own source address.
     */
    @Test
    void forwardedPacketsToTheVipPassStrictReversePathFiltering() {
        ok(tool("apply", "--vip", VIP, "--state-dir", stateDir));
        assertEquals("1", sysctl(SERVER, "net/ipv4/conf/all/rp_filter"));
        mustIn(CLIENT, "ip", "neigh", "replace", VIP, "lladdr", lab.serverMac, "dev", "eth0", "nud", "permanent");
        long dropsBefore = NetnsLab.reversePathDrops();

        assertEquals(3, NetnsLab.pingReplies(CLIENT, VIP), "a client on the connected subnet");

        // A client behind a router on the same interface: the neighbour routes 198.18.9.0/24.
        mustIn(CLIENT, "ip", "addr", "add", "198.18.9.20/32", "dev", "eth0");
        mustIn(SERVER, "ip", "route", "add", "198.18.9.0/24", "via", CLIENT_IP, "dev", "eth1");
        assertEquals(3, NetnsLab.pingReplies(CLIENT, "-I", "198.18.9.20", VIP), "a client behind a router");
        assertEquals(dropsBefore, NetnsLab.reversePathDrops(), "rp_filter dropped nothing");

        // The limit, documented: a source this host routes out of another interface is dropped.
        mustIn(SERVER, "ip", "link", "add", "eth2", "type", "veth", "peer", "name", "eth2p");
        mustIn(SERVER, "ip", "link", "set", "eth2", "up");
        mustIn(SERVER, "ip", "link", "set", "eth2p", "up");
        mustIn(SERVER, "ip", "route", "replace", "198.18.9.0/24", "dev", "eth2");
        assertEquals(0, NetnsLab.pingReplies(CLIENT, "-I", "198.18.9.20", VIP));
        assertTrue(NetnsLab.reversePathDrops() > dropsBefore, "and the counter shows rp_filter did it");
    }

    /** With arp_announce 0 the real server's own ARP requests carry the VIP and re-point it. */
    @Test
    void arpAnnounceKeepsTheVipOutOfTheServersArpRequests() {
        mustIn(SERVER, "ip", "addr", "add", VIP + "/32", "dev", "lo", "scope", "host");
        sysctl(SERVER, "net/ipv4/conf/all/arp_ignore", "3"); // ARP for the VIP hidden; only announce differs
        mustIn(SERVER, "ping", "-c", "1", "-W", "1", "-I", VIP, CLIENT_IP);
        assertEquals(lab.serverMac, neighbourEntryForVip(),
                "arp_announce 0: the neighbour learned the VIP from the request");

        ok(tool("apply", "--vip", VIP, "--state-dir", stateDir));
        mustIn(SERVER, "ip", "neigh", "flush", "all");
        mustIn(CLIENT, "ip", "neigh", "flush", "all");
        in(SERVER, "ping", "-c", "1", "-W", "1", "-I", VIP, CLIENT_IP);
        assertNotEquals(lab.serverMac, neighbourEntryForVip(), "arp_announce 2: the request carried " + SERVER_IP);
    }

    private static String neighbourEntryForVip() {
        List<Object> entries = JsonFields.list(Json.parse(mustIn(CLIENT, "ip", "-json", "neigh", "show", VIP).stdout()),
                "neigh");
        return entries.isEmpty() ? ""
                : String.valueOf(JsonFields.object(entries.getFirst(), "entry").getOrDefault("lladdr", ""));
    }

    @Test
    void persistWritesBootFilesThatRestoreTheSetupAndRemoveDeletesThem() throws IOException {
        Path sysctlDir = tmp.resolve("sysctl.d");
        Path systemdDir = tmp.resolve("systemd");
        ok(tool("apply", "--vip", VIP, "--persist", "--sysctl-dir", sysctlDir.toString(),
                "--systemd-dir", systemdDir.toString(), "--state-dir", stateDir));
        Path conf = sysctlDir.resolve("95-realserver-setup.conf");
        Path unit = systemdDir.resolve("realserver-setup.service");
        Path wants = systemdDir.resolve("sysinit.target.wants/realserver-setup.service");
        assertEquals(unit, Files.readSymbolicLink(wants));

        // A reboot loses everything; boot applies the sysctl file (as systemd-sysctl does) and
        // runs the unit's ExecStart lines. check must pass afterwards.
        mustIn(SERVER, "ip", "addr", "del", VIP + "/32", "dev", "lo");
        for (String key : List.of("net/ipv4/conf/all/arp_ignore", "net/ipv4/conf/all/arp_announce",
                "net/ipv4/conf/all/rp_filter")) {
            sysctl(SERVER, key, "0");
        }
        assertEquals(1, tool("check", "--vip", VIP).exit());
        mustIn(SERVER, "sysctl", "-q", "-p", conf.toString());
        List<String> execStart = Files.readAllLines(unit).stream().filter(l -> l.startsWith("ExecStart=")).toList();
        assertEquals(1, execStart.size(), execStart.toString());
        for (String line : execStart) {
            mustIn(SERVER, "sh", "-c", line.substring("ExecStart=".length()));
        }
        assertEquals(0, tool("check", "--vip", VIP).exit(), "the boot files alone restore a correct host");

        ok(tool("remove", "--state-dir", stateDir));
        assertFalse(Files.exists(conf));
        assertFalse(Files.exists(unit));
        assertFalse(Files.exists(wants, java.nio.file.LinkOption.NOFOLLOW_LINKS));
    }

    /**
     * A state file edited to claim the real server's own address and three unrelated files: remove
     * must refuse it, not take eth1's address away (which cuts the server off) or delete the files.
     */
    @Test
    void removeRefusesATamperedStateAndTheHostKeepsItsAddressAndFiles() throws IOException {
        ok(tool("apply", "--vip", VIP, "--state-dir", stateDir));
        Path state = Path.of(stateDir, "state.json");
        Map<String, Object> json = JsonFields.object(Json.parse(Files.readString(state)), "state");
        json.put("vips", List.of(VIP, SERVER_IP));
        Map<String, Object> own = new LinkedHashMap<>(Map.of("device", "eth1", "address", SERVER_IP, "prefixlen", 24L,
                "scope", "global", "label", "eth1"));
        json.put("added", List.of(JsonFields.list(json, "added").getFirst(), own));
        List<String> victims = List.of(tmp.resolve("a").toString(), tmp.resolve("b").toString(),
                tmp.resolve("c").toString());
        for (String victim : victims) {
            Files.writeString(Path.of(victim), "precious\n");
        }
        json.put("boot_files", victims);
        Files.writeString(state, Json.write(json));
        Map<String, String> before = snapshot();

        Result remove = tool("remove", "--state-dir", stateDir);
        assertOneLineError(remove, 1,
                "realserver-setup: error: state file corrupt: " + state + ": added: " + SERVER_IP
                        + "/24 on eth1 is not one of the VIPs on lo");
        assertEquals(before, snapshot(), "no address or sysctl changed");
        assertTrue(addresses(SERVER).contains("\"local\":\"" + SERVER_IP + "\""), "eth1 keeps " + SERVER_IP);
        for (String victim : victims) {
            assertEquals("precious\n", Files.readString(Path.of(victim)));
        }
    }
}
