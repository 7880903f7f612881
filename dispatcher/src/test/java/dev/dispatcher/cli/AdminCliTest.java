package dev.dispatcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.dispatcher.admin.AdminServer;
import dev.dispatcher.config.AdminConfig;
import dev.dispatcher.control.api.HaStatusView;
import dev.dispatcher.control.api.ReloadResult;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.testing.FakeControl;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The admin commands against a running admin server with an in-memory dispatcher behind it. */
@Timeout(30)
class AdminCliTest {
    private static final String TOKEN = "cli-test-token";
    private static final ServerRef RS1 = ServerRef.of("198.18.0.100", 80, "tcp", "198.18.0.11");
    private static final ServerRef RS3 = ServerRef.of("198.18.0.101", 53, "udp", "198.18.0.13");

    @TempDir
    Path dir;

    FakeControl fake;
    AdminServer server;
    Path tokenFile;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    /** {@code command...} with {@code --admin} and {@code --token-file} for the test server. */
    private CliRun admin(String... command) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of("--admin", "127.0.0.1:" + server.port(), "--token-file", tokenFile.toString()));
        return run(args.toArray(String[]::new));
    }

    @BeforeEach
    void start() throws Exception {
        fake = new FakeControl()
                .server("198.18.0.100", 80, "tcp", "198.18.0.11", 3, "02:00:00:00:00:11")
                .server("198.18.0.100", 80, "tcp", "198.18.0.12", 2, null)
                .server("198.18.0.101", 53, "udp", "198.18.0.13", 1, null);
        fake.health(RS3, "down");
        tokenFile = dir.resolve("admin.token");
        Files.writeString(tokenFile, TOKEN + "\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        server = new AdminServer(fake, new AdminConfig("127.0.0.1", 0, tokenFile));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void statusIsATablePerPort() throws Exception {
        fake.drain(RS1);
        fake.active(RS1, 12L);
        CliRun r = admin("status");
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.startsWith(
                "dispatcher on eth1 (02:00:00:00:00:02), mode ring, config /etc/dispatcher/dispatcher.yaml\n"), out);
        assertTrue(out.contains("last reload: none since start\n"), out);
        assertTrue(out.contains("frames: forwarded 1234, no_server 5\n"), out);
        assertTrue(out.contains("\ncluster 198.18.0.100\n  port 80/tcp  advisor http  on-server-down reset\n"), out);
        List<String> lines = out.lines().toList();
        String header = lines.stream().filter(l -> l.contains("SERVER")).findFirst().orElseThrow();
        assertEquals(List.of("SERVER", "STATE", "REASON", "WEIGHT", "HEALTH", "OVERRIDE", "MAC", "ACTIVE", "TOTAL"),
                List.of(header.strip().split(" +")));
        String rs1 = lines.stream().filter(l -> l.strip().startsWith("198.18.0.11 ")).findFirst().orElseThrow();
        assertEquals(List.of("198.18.0.11", "drain", "operator:", "drain", "0/3", "up", "none", "02:00:00:00:00:11",
                "12", "0"), List.of(rs1.strip().split(" +")));
        assertEquals(header.indexOf("MAC"), rs1.indexOf("02:00:00:00:00:11"), "columns line up");
        String rs2 = lines.stream().filter(l -> l.strip().startsWith("198.18.0.12 ")).findFirst().orElseThrow();
        assertEquals(List.of("198.18.0.12", "up", "-", "2/2", "up", "none", "-", "0", "0"),
                List.of(rs2.strip().split(" +")));
        assertTrue(out.contains(
                "  port 53/udp  advisor http  on-server-down reset\n    ALL SERVERS DOWN: new flows are dropped\n"),
                out);
        assertEquals(1, out.split("ALL SERVERS DOWN", -1).length - 1, "only the port whose servers are all down");
        String rs3 = lines.stream().filter(l -> l.strip().startsWith("198.18.0.13 ")).findFirst().orElseThrow();
        assertEquals(List.of("198.18.0.13", "down", "advisor:", "HTTP", "503", "1/1", "down", "none", "-", "0", "0"),
                List.of(rs3.strip().split(" +")));
    }

    @Test
    void statusAfterARefusedReloadSaysSo() throws Exception {
        fake.nextReload = new ReloadResult(false, 0L, List.of("x.yaml:1:1: clusters: required key is missing"),
                List.of(), List.of());
        fake.reload();
        CliRun r = admin("status");
        assertTrue(r.out().contains("last reload: REFUSED at 1970-01-01T00:00:00Z (1 error(s); "
                + "the previous configuration is still running)"), r.out());
    }

    @Test
    void statusJsonIsTheRawAnswer() throws Exception {
        CliRun r = admin("status", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("eth1", json.get("interfaceName").textValue());
        assertEquals(3, json.get("clusters").get(0).get("ports").get(0).get("servers").get(0).get("weight").intValue());
    }

    @Test
    void setWeightSendsTheRightBodyWithTheToken() throws Exception {
        AtomicReference<String> seen = new AtomicReference<>();
        HttpServer capture = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        capture.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            seen.set(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Authorization") + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type") + "\n" + body);
            byte[] reply = "{\"message\": \"ok\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        capture.start();
        try {
            CliRun r = run("server", "set-weight", "--vip", "198.18.0.100:80", "--server", "198.18.0.11",
                    "--weight", "7",
                    "--admin", "127.0.0.1:" + capture.getAddress().getPort(), "--token-file", tokenFile.toString());
            assertEquals(0, r.exit(), r.err());
            assertEquals("ok\n", r.out());
        } finally {
            capture.stop(0);
        }
        String[] request = seen.get().split("\n", 2);
        assertEquals("POST /servers/weight Bearer cli-test-token application/json", request[0]);
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree("{\"vip\":\"198.18.0.100\",\"port\":80,\"protocol\":\"tcp\","
                + "\"server\":\"198.18.0.11\",\"weight\":7}"), json.readTree(request[1]));
    }

    @Test
    void setWeightChangesTheRunningDispatcher() {
        CliRun r = admin("server", "set-weight", "--vip", "198.18.0.100:80", "--server", "198.18.0.11",
                "--weight", "7");
        assertEquals(0, r.exit(), r.err());
        assertEquals("set the weight of 198.18.0.11 in 198.18.0.100:80/tcp to 7\n", r.out());
        assertEquals(7, fake.weight(RS1));
        CliRun unknown = admin("server", "set-weight", "--vip", "198.18.0.100:80", "--server", "198.18.0.19",
                "--weight", "7");
        assertEquals(1, unknown.exit());
        assertEquals("error: no server 198.18.0.19 in 198.18.0.100:80/tcp\n", unknown.err());
        CliRun range = admin("server", "set-weight", "--vip", "198.18.0.100:80", "--server", "198.18.0.11",
                "--weight", "10001");
        assertEquals(1, range.exit());
        assertEquals("error: weight: must be an integer from 0 to 10000, found 10001\n", range.err());
    }

    @Test
    void addRemoveAndOverrides() {
        CliRun add = admin("server", "add", "--vip", "198.18.0.101:53", "--protocol", "udp", "--server", "198.18.0.14",
                "--weight", "2", "--mac", "02:00:00:00:00:14");
        assertEquals(0, add.exit(), add.err());
        assertEquals("added 198.18.0.14 in 198.18.0.101:53/udp with weight 2 and MAC 02:00:00:00:00:14\n", add.out());
        CliRun again = admin("server", "add", "--vip", "198.18.0.101:53", "--protocol", "udp",
                "--server", "198.18.0.14", "--weight", "2");
        assertEquals(1, again.exit());
        assertEquals("error: 198.18.0.14 is already a server of 198.18.0.101:53/udp\n", again.err());
        for (String state : List.of("down", "up", "auto")) {
            CliRun r = admin("server", state, "--vip", "198.18.0.101:53", "--protocol", "udp",
                    "--server", "198.18.0.14");
            assertEquals(0, r.exit(), r.err());
        }
        assertEquals(List.of("down", "up", "auto"), fake.calls.stream().filter(c -> c.startsWith("override"))
                .map(c -> c.substring(c.lastIndexOf(' ') + 1)).toList());
        CliRun remove = admin("server", "remove", "--vip", "198.18.0.101:53", "--protocol", "udp",
                "--server", "198.18.0.14");
        assertEquals(0, remove.exit(), remove.err());
        assertEquals("removed 198.18.0.14 in 198.18.0.101:53/udp\n", remove.out());
        assertFalse(fake.has(ServerRef.of("198.18.0.101", 53, "udp", "198.18.0.14")));
    }

    @Test
    void drainWaitReturnsOnceNoConnectionsRemain() {
        fake.active(RS1, 2L, 1L, 0L);
        CliRun r = admin("server", "drain", "--vip", "198.18.0.100:80", "--server", "198.18.0.11", "--wait",
                "--timeout", "20s");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("draining 198.18.0.11 in 198.18.0.100:80/tcp: no new flows, existing ones continue", lines.get(0));
        assertEquals("2 active connection(s), waiting up to 20s", lines.get(1));
        assertEquals("1 active connection(s), waiting up to 20s", lines.get(2));
        assertTrue(lines.get(3).startsWith("drained: no active connections left after "), r.out());
        assertEquals(3, fake.calls.stream().filter(c -> c.startsWith("activeConnections")).count());
    }

    @Test
    void drainWaitFailsAtTheDeadlineAndSaysHowManyRemain() {
        fake.active(RS1, 3L);
        long start = System.nanoTime();
        CliRun r = admin("server", "drain", "--vip", "198.18.0.100:80", "--server", "198.18.0.11", "--wait",
                "--timeout", "1s");
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(1, r.exit(), r.out());
        assertEquals("not drained after 1s: 3 active connection(s) remain on 198.18.0.11 in 198.18.0.100:80/tcp\n",
                r.err());
        assertTrue(millis >= 1000 && millis < 5000, millis + " ms");
    }

    @Test
    void drainWithoutWaitReturnsAtOnce() {
        fake.active(RS1, 3L);
        CliRun r = admin("server", "drain", "--vip", "198.18.0.100:80", "--server", "198.18.0.11");
        assertEquals(0, r.exit(), r.err());
        assertTrue(fake.calls.stream().noneMatch(c -> c.startsWith("activeConnections")));
    }

    @Test
    void aChangeWithoutTheTokenFileIsRefusedClearly() {
        CliRun r = run("server", "set-weight", "--vip", "198.18.0.100:80", "--server", "198.18.0.11", "--weight", "7",
                "--admin", "127.0.0.1:" + server.port());
        assertEquals(1, r.exit());
        if (!Files.exists(Path.of("/etc/dispatcher/admin.token"))) {
            assertEquals("error: this change needs the admin token, but /etc/dispatcher/admin.token does not exist; "
                    + "pass --token-file FILE (the dispatcher's admin.token-file)\n", r.err());
        } else {
            assertTrue(r.err().contains("token"), r.err());
        }
        assertTrue(fake.calls.stream().noneMatch(c -> c.startsWith("setWeight")), fake.calls.toString());
        CliRun reads = run("status", "--admin", "127.0.0.1:" + server.port(),
                "--token-file", dir.resolve("none").toString());
        assertEquals(0, reads.exit(), "reads need no token: " + reads.err());
    }

    @Test
    void aWrongTokenIsTheServersRefusal() throws Exception {
        Path wrong = dir.resolve("wrong.token");
        Files.writeString(wrong, "not-it\n");
        CliRun r = run("reload", "--admin", "127.0.0.1:" + server.port(), "--token-file", wrong.toString());
        assertEquals(1, r.exit());
        assertEquals("error: wrong admin token\n", r.err());
    }

    @Test
    void anUnreachableAdminApiIsOneLineAndExitOne() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        CliRun r = run("status", "--admin", "127.0.0.1:" + port);
        assertEquals(1, r.exit());
        assertEquals("error: cannot reach the dispatcher admin API at 127.0.0.1:" + port
                + ": connection refused (is it running? see admin.listen)\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void reloadPrintsChangesOrEveryError() {
        fake.nextReload = new ReloadResult(true, 1L, List.of(),
                List.of("added server 198.18.0.14 to 198.18.0.100:80/tcp",
                "weight of 198.18.0.12 in 198.18.0.100:80/tcp: 2 -> 4"), List.of("io.snaplen needs a restart"));
        CliRun applied = admin("reload");
        assertEquals(0, applied.exit(), applied.err());
        assertEquals("reload applied: 2 change(s)\n  added server 198.18.0.14 to 198.18.0.100:80/tcp\n"
                + "  weight of 198.18.0.12 in 198.18.0.100:80/tcp: 2 -> 4\n", applied.out());
        assertEquals("warning: io.snaplen needs a restart\n", applied.err());
        fake.nextReload = new ReloadResult(false, 1L,
                List.of("d.yaml:3:5: clusters[0].address: bad", "d.yaml:9:7: x: bad"), List.of(), List.of());
        CliRun refused = admin("reload");
        assertEquals(1, refused.exit());
        assertEquals("d.yaml:3:5: clusters[0].address: bad\nd.yaml:9:7: x: bad\n"
                + "reload refused: 2 error(s); the running configuration is unchanged\n", refused.err());
    }

    @Test
    void configShowAndSave() {
        CliRun show = admin("config", "show");
        assertEquals(0, show.exit(), show.err());
        assertEquals(fake.yaml, show.out());
        CliRun save = admin("config", "save");
        assertEquals(0, save.exit(), save.err());
        assertEquals("/etc/dispatcher/dispatcher.yaml\n", save.out());
    }

    @Test
    void explainSaysWhereAFlowGoes() {
        CliRun r = admin("explain", "--client", "198.18.1.10:40000", "--vip", "198.18.0.100:80");
        assertEquals(0, r.exit(), r.err());
        assertEquals("""
                service     198.18.0.100:80/tcp
                decision    new flow (scheduler)
                server      198.18.0.11
                flow state  -
                candidates  198.18.0.11 weight 3 (up)
                            198.18.0.12 weight 2 (up)
                """, r.out());
    }

    @Test
    void badOptionsAreUsageErrorsThatNameTheOption() {
        CliRun vip = admin("server", "drain", "--vip", "198.18.0.100", "--server", "198.18.0.11");
        assertEquals(2, vip.exit());
        assertTrue(vip.err().startsWith("Invalid value for option '--vip': expected IP:PORT such as 198.18.0.100:80"),
                vip.err());
        CliRun protocol = admin("server", "drain", "--vip", "198.18.0.100:80", "--server", "198.18.0.11",
                "--protocol", "sctp");
        assertEquals(2, protocol.exit());
        assertTrue(protocol.err().startsWith("Invalid value for option '--protocol': expected tcp or udp"),
                protocol.err());
        CliRun timeout = admin("server", "drain", "--vip", "198.18.0.100:80", "--server", "198.18.0.11",
                "--timeout", "1.5s");
        assertEquals(2, timeout.exit());
        assertTrue(timeout.err().startsWith("Invalid value for option '--timeout'"), timeout.err());
        CliRun adminAddress = run("status", "--admin", "localhost");
        assertEquals(2, adminAddress.exit());
        assertTrue(adminAddress.err().startsWith("Invalid value for option '--admin': expected HOST:PORT"),
                adminAddress.err());
        CliRun noSub = run("server");
        assertEquals(2, noSub.exit());
        assertTrue(noSub.err().startsWith("missing subcommand (add, remove, set-weight, drain, up, down, auto)"),
                noSub.err());
        assertEquals(2, run("config").exit());
        assertTrue(fake.calls.isEmpty(), fake.calls.toString());
    }

    @Test
    void everyCommandHasHelp() {
        List<String> paths = new ArrayList<>();
        collect(DispatcherMain.commandLine(), "", paths);
        assertTrue(paths.containsAll(List.of("status", "server drain", "server set-weight", "reload", "config save",
                "config show", "explain", "completion")), paths.toString());
        for (String path : paths) {
            List<String> args = new ArrayList<>(List.of(path.split(" ")));
            args.add("--help");
            CliRun r = run(args.toArray(String[]::new));
            assertEquals(0, r.exit(), path);
            assertTrue(r.out().startsWith("Usage: dispatcher " + path), path + ": " + r.out());
        }
        assertTrue(run("server", "drain", "--version").out().startsWith("dispatcher "), "subcommands know the version");
    }

    private static void collect(CommandLine command, String prefix, List<String> paths) {
        command.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help")) {
                return;
            }
            String path = prefix.isEmpty() ? name : prefix + " " + name;
            paths.add(path);
            collect(sub, path, paths);
        });
    }

    @Test
    void completionPrintsABashScript() {
        CliRun r = run("completion");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("#!/usr/bin/env bash"), r.out().lines().findFirst().orElse(""));
        assertTrue(r.out().contains("complete -F _complete_dispatcher"), "registers the function");
        assertTrue(r.out().contains("set-weight") && r.out().contains("--token-file")
                && r.out().contains("(\"tcp\" \"udp\")"), "knows the subcommands, options and protocol names");
    }

    private static HaStatusView haView() {
        return new HaStatusView("primary", 1, "active", List.of("198.18.0.100"), List.of(),
                new HaStatusView.PartnerView(2, "198.18.0.3", "backup", "standby", "02:00:00:00:00:03", 120, true, 0,
                        42),
                1, 1, false, 500, 480, java.util.Map.of("bad_mac", 2L, "replayed", 0L),
                java.util.Map.of("start_alone", 1L), "took group 0: no partner heard within dead-after of the start",
                1_764_000_000_000L, 7, 8, new HaStatusView.SyncView(false, 5, 0, -1, 0, java.util.Map.of(), true, 42,
                        1));
    }

    @Test
    void haStatusTakeoverAndRole() {
        CliRun none = admin("ha", "status");
        assertEquals(1, none.exit());
        assertEquals("error: no high availability: the configuration has no ha section\n", none.err());

        fake.ha = haView();
        CliRun status = admin("ha", "status");
        assertEquals(0, status.exit(), status.err());
        assertTrue(status.out().startsWith("node 1 (primary): active\n  serves:   198.18.0.100\n"), status.out());
        assertTrue(status.out().contains("partner: node 2 (backup) at 198.18.0.3 02:00:00:00:00:03: standby, "
                + "last heartbeat 120 ms ago"), status.out());
        assertTrue(status.out().contains("rejected bad_mac 2\n"), status.out());
        assertTrue(status.out().contains("sync:     applied 5 of the partner's flow records, the partner 42 of ours; "
                + "behind"), status.out());
        assertTrue(status.out().contains("changes:  start_alone 1; last at 2025-11-24T16:00:00Z: took group 0"),
                status.out());
        CliRun json = admin("ha", "status", "--json");
        assertTrue(json.out().contains("\"firstForwardedMonotonicNanos\": 8,"), json.out());

        CliRun takeover = admin("ha", "takeover");
        assertEquals(0, takeover.exit(), takeover.err());
        assertEquals("took over: this node serves every cluster\n", takeover.out());
        fake.haRefusal = "the flow table has not caught up with the partner's: its connections would break";
        CliRun refused = admin("ha", "takeover");
        assertEquals(1, refused.exit());
        assertEquals("error: takeover refused: the flow table has not caught up with the partner's: its "
                + "connections would break\n", refused.err());
        fake.haRefusal = null;
        assertEquals(0, admin("ha", "role", "standby").exit());
        assertEquals(List.of("haStatus", "haStatus", "haStatus", "haTakeover", "haTakeover", "haRole standby"),
                fake.calls.stream().filter(c -> c.startsWith("ha")).toList());
        CliRun bad = admin("ha", "role", "master");
        assertEquals(2, bad.exit(), "a usage error");
        assertTrue(bad.err().contains("active, standby"), bad.err());
        CliRun noToken = run("ha", "takeover", "--admin", "127.0.0.1:" + server.port(), "--token-file",
                dir.resolve("missing.token").toString());
        assertEquals(1, noToken.exit());
        assertEquals(6, fake.calls.stream().filter(c -> c.startsWith("ha")).count(), "refused before it was sent");
    }
}
