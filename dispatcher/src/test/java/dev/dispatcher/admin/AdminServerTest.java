package dev.dispatcher.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dispatcher.config.AdminConfig;
import dev.dispatcher.control.api.ControlException;
import dev.dispatcher.control.api.HaStatusView;
import dev.dispatcher.control.api.ReloadResult;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.testing.FakeControl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every endpoint's JSON in and out, and the status of every kind of refusal. */
@Timeout(30)
class AdminServerTest {
    static final String TOKEN = "s3cret-admin-token";
    static final ServerRef RS1 = ServerRef.of("198.18.0.100", 80, "tcp", "198.18.0.11");
    static final ServerRef RS2 = ServerRef.of("198.18.0.100", 80, "tcp", "198.18.0.12");

    @TempDir
    Path dir;

    FakeControl fake;
    AdminServer server;
    Http http;

    static Path tokenFile(Path dir, String content, String mode) throws Exception {
        Path file = dir.resolve("admin.token");
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }

    static FakeControl lab() {
        return new FakeControl()
                .server("198.18.0.100", 80, "tcp", "198.18.0.11", 3, "02:00:00:00:00:11")
                .server("198.18.0.100", 80, "tcp", "198.18.0.12", 2, null)
                .service("198.18.0.100", 53, "udp");
    }

    @BeforeEach
    void start() throws Exception {
        fake = lab();
        server = new AdminServer(fake, new AdminConfig("127.0.0.1", 0, tokenFile(dir, TOKEN + "\n", "rw-------")));
        http = new Http(server.port());
    }

    @AfterEach
    void stop() {
        http.close();
        server.close();
    }

    private static String body(String json) {
        return json.replace('\'', '"');
    }

    @Test
    void statusIsTheStatusViewAsJson() {
        Http.Reply r = http.get("/status");
        assertEquals(200, r.status());
        assertEquals("application/json", r.contentType());
        JsonNode status = r.json();
        assertEquals("eth1", status.get("interfaceName").textValue());
        assertTrue(status.get("lastReload").isNull());
        assertEquals(1234, status.get("counters").get("forwarded").longValue());
        JsonNode port = status.get("clusters").get(0).get("ports").get(0);
        assertEquals(80, port.get("port").intValue());
        assertEquals("http", port.get("advisor").textValue());
        assertFalse(port.get("allServersDown").booleanValue());
        JsonNode rs1 = port.get("servers").get(0);
        assertEquals("198.18.0.11", rs1.get("address").textValue());
        assertEquals(3, rs1.get("configuredWeight").intValue());
        assertEquals("02:00:00:00:00:11", rs1.get("mac").textValue());
        assertTrue(status.get("clusters").get(0).get("ports").get(1).get("allServersDown").booleanValue());
    }

    @Test
    void addServerTakesTheFieldsAndNormalisesTheMac() {
        Http.Reply r = http.post("/servers",
                body("{'vip':'198.18.0.100','port':80,'protocol':'tcp','server':'198.18.0.14',"
                + "'weight':4,'mac':'02-00-00-00-00-1A'}"), TOKEN);
        assertEquals(200, r.status(), r.body());
        assertEquals("added 198.18.0.14 in 198.18.0.100:80/tcp with weight 4 and MAC 02:00:00:00:00:1a",
                r.json().get("message").textValue());
        assertEquals("addServer 198.18.0.14 in 198.18.0.100:80/tcp 4 02:00:00:00:00:1a", fake.calls.getLast());
    }

    @Test
    void addServerWithoutMacAndProtocolDefaultsToArpAndTcp() {
        Http.Reply r = http.post("/servers", body("{'vip':'198.18.0.100','port':80,'server':'198.18.0.14','weight':1}"),
                TOKEN);
        assertEquals(200, r.status(), r.body());
        assertEquals("addServer 198.18.0.14 in 198.18.0.100:80/tcp 1 null", fake.calls.getLast());
    }

    @Test
    void refusalsFromTheOperationsKeepTheirKind() {
        String existing = body("{'vip':'198.18.0.100','port':80,'server':'198.18.0.11','weight':1}");
        Http.Reply conflict = http.post("/servers", existing, TOKEN);
        assertEquals(409, conflict.status());
        assertEquals("198.18.0.11 is already a server of 198.18.0.100:80/tcp", conflict.error());
        Http.Reply unknown = http.post("/servers", existing.replace("198.18.0.100", "198.18.0.101"), TOKEN);
        assertEquals(404, unknown.status());
        assertEquals("no service 198.18.0.101:80/tcp", unknown.error());
        Http.Reply invalid = http.post("/servers", existing.replace("198.18.0.11", "198.18.0.100"), TOKEN);
        assertEquals(400, invalid.status());
        assertEquals("server: 198.18.0.100 is the VIP itself", invalid.error());
    }

    @Test
    void invalidFieldsAreNamed() {
        String ok = "{'vip':'198.18.0.100','port':80,'server':'198.18.0.14','weight':1}";
        assertEquals("weight: must be an integer from 0 to 10000, found -3",
                http.post("/servers", body(ok.replace("'weight':1", "'weight':-3")), TOKEN).error());
        assertEquals("weight: must be an integer from 0 to 10000, found \"3\"",
                http.post("/servers", body(ok.replace("'weight':1", "'weight':'3'")), TOKEN).error());
        assertEquals("weight: required field is missing",
                http.post("/servers", body(ok.replace(",'weight':1", "")), TOKEN).error());
        assertEquals("port: must be an integer from 1 to 65535, found 0",
                http.post("/servers", body(ok.replace("'port':80", "'port':0")), TOKEN).error());
        Http.Reply vip = http.post("/servers", body(ok.replace("198.18.0.100", "198.18.0")), TOKEN);
        assertEquals(400, vip.status());
        assertTrue(vip.error().startsWith("vip: expected a dotted IPv4 address"), vip.error());
        assertTrue(vip.error().endsWith("found \"198.18.0\""), vip.error());
        assertTrue(http.post("/servers", body(ok.replace("'weight':1", "'weight':1,'mac':'zz'")), TOKEN).error()
                .startsWith("mac: "));
        assertEquals("protocol: must be tcp or udp, found \"sctp\"",
                http.post("/servers", body(ok.replace("'port':80", "'port':80,'protocol':'sctp'")), TOKEN).error());
        assertEquals("wieght: unknown field; expected vip, port, protocol, server, weight, mac",
                http.post("/servers", body(ok.replace("'weight'", "'wieght'")), TOKEN).error());
        assertEquals("server: must be a string, found a number 11",
                http.post("/servers", body(ok.replace("'198.18.0.14'", "11")), TOKEN).error());
        assertTrue(fake.calls.stream().noneMatch(c -> c.startsWith("addServer")), fake.calls.toString());
    }

    @Test
    void malformedJsonIsA400ThatSaysWhere() {
        Http.Reply r = http.post("/servers/weight", "{\"vip\": \"198.18.0.100\",}", TOKEN);
        assertEquals(400, r.status());
        assertTrue(r.error().startsWith("malformed JSON at line 1, column "), r.error());
        assertFalse(r.error().contains("\n"));
        assertEquals("request body: expected a JSON object, found an array",
                http.post("/servers/weight", "[1]", TOKEN).error());
        assertEquals("request body: expected a JSON object, found nothing",
                http.post("/servers/drain", "", TOKEN).error());
        Http.Reply duplicate = http.post("/servers/weight", body("{'weight':1,'weight':2}"), TOKEN);
        assertEquals(400, duplicate.status());
        assertTrue(duplicate.error().contains("weight"), duplicate.error());
    }

    @Test
    void removeServerTakesTheQuery() {
        Http.Reply r = http.send("DELETE", "/servers?vip=198.18.0.100&port=80&protocol=tcp&server=198.18.0.12", null,
                TOKEN);
        assertEquals(200, r.status(), r.body());
        assertEquals("removed 198.18.0.12 in 198.18.0.100:80/tcp", r.json().get("message").textValue());
        assertFalse(fake.has(RS2));
        Http.Reply again = http.send("DELETE", "/servers?vip=198.18.0.100&port=80&server=198.18.0.12", null, TOKEN);
        assertEquals(404, again.status());
        Http.Reply missing = http.send("DELETE", "/servers?vip=198.18.0.100&port=80", null, TOKEN);
        assertEquals(400, missing.status());
        assertEquals("server: required parameter is missing", missing.error());
        assertEquals("vip: parameter given more than once",
                http.send("DELETE", "/servers?vip=1.1.1.1&vip=1.1.1.2", null, TOKEN).error());
    }

    @Test
    void setWeight() {
        Http.Reply r = http.post("/servers/weight",
                body("{'vip':'198.18.0.100','port':80,'protocol':'tcp','server':'198.18.0.11','weight':7}"), TOKEN);
        assertEquals(200, r.status(), r.body());
        assertEquals("set the weight of 198.18.0.11 in 198.18.0.100:80/tcp to 7", r.json().get("message").textValue());
        assertEquals(7, fake.weight(RS1));
        assertEquals(404, http.post("/servers/weight",
                body("{'vip':'198.18.0.100','port':80,'server':'198.18.0.19','weight':7}"), TOKEN).status());
    }

    @Test
    void drainAndActiveConnections() {
        fake.active(RS1, 3L);
        Http.Reply r = http.post("/servers/drain",
                body("{'vip':'198.18.0.100','port':80,'protocol':'tcp','server':'198.18.0.11'}"), TOKEN);
        assertEquals(200, r.status(), r.body());
        assertEquals("draining 198.18.0.11 in 198.18.0.100:80/tcp: no new flows, existing ones continue",
                r.json().get("message").textValue());
        Http.Reply active = http.get("/servers/active?vip=198.18.0.100&port=80&protocol=tcp&server=198.18.0.11");
        assertEquals(200, active.status(), active.body());
        assertEquals(3, active.json().get("active").longValue());
        assertEquals(1, active.json().size());
        Http.Reply unknown = http.get("/servers/active?vip=198.18.0.100&port=80&protocol=tcp&server=198.18.0.99");
        assertEquals(404, unknown.status());
        assertEquals("no server 198.18.0.99 in 198.18.0.100:80/tcp", unknown.error());
        assertEquals("port: must be an integer from 1 to 65535, found \"8o\"",
                http.get("/servers/active?vip=198.18.0.100&port=8o&server=198.18.0.11").error());
    }

    @Test
    void override() {
        String ref = "'vip':'198.18.0.100','port':80,'protocol':'tcp','server':'198.18.0.11'";
        Http.Reply down = http.post("/servers/override", body("{" + ref + ",'state':'down'}"), TOKEN);
        assertEquals(200, down.status(), down.body());
        assertEquals("198.18.0.11 in 198.18.0.100:80/tcp is marked down by the operator",
                down.json().get("message").textValue());
        Http.Reply auto = http.post("/servers/override", body("{" + ref + ",'state':'auto'}"), TOKEN);
        assertEquals("198.18.0.11 in 198.18.0.100:80/tcp follows its advisor again",
                auto.json().get("message").textValue());
        assertEquals(List.of("override 198.18.0.11 in 198.18.0.100:80/tcp down",
                "override 198.18.0.11 in 198.18.0.100:80/tcp auto"),
                fake.calls.stream().filter(c -> c.startsWith("override")).toList());
        Http.Reply bad = http.post("/servers/override", body("{" + ref + ",'state':'sideways'}"), TOKEN);
        assertEquals(400, bad.status());
        assertEquals("state: must be one of up, down, auto, found \"sideways\"", bad.error());
    }

    @Test
    void reloadIs200WhenAppliedAnd422WithTheErrorsWhenNot() {
        Http.Reply applied = http.post("/reload", null, TOKEN);
        assertEquals(200, applied.status(), applied.body());
        assertTrue(applied.json().get("applied").booleanValue());
        assertEquals("added server 198.18.0.14 to 198.18.0.100:80/tcp",
                applied.json().get("changes").get(0).textValue());
        fake.nextReload = new ReloadResult(false, 1L, List.of("d.yaml:3:5: clusters[0].address: not an IPv4 address"),
                List.of(), List.of());
        Http.Reply refused = http.post("/reload", null, TOKEN);
        assertEquals(422, refused.status());
        assertFalse(refused.json().get("applied").booleanValue());
        assertEquals("d.yaml:3:5: clusters[0].address: not an IPv4 address",
                refused.json().get("errors").get(0).textValue());
        assertEquals(401, http.post("/reload", null, null).status());
    }

    @Test
    void configIsYamlAndSaveReturnsThePath() {
        Http.Reply yaml = http.get("/config");
        assertEquals(200, yaml.status());
        assertEquals("text/yaml; charset=utf-8", yaml.contentType());
        assertEquals(fake.yaml, yaml.body());
        Http.Reply saved = http.post("/config/save", null, TOKEN);
        assertEquals(200, saved.status(), saved.body());
        assertEquals("/etc/dispatcher/dispatcher.yaml", saved.json().get("path").textValue());
        fake.saveFailure = new ControlException(ControlException.Kind.CONFLICT,
                "the file changed on disk since the last reload");
        Http.Reply conflict = http.post("/config/save", null, TOKEN);
        assertEquals(409, conflict.status());
        assertEquals("the file changed on disk since the last reload", conflict.error());
    }

    @Test
    void explain() {
        Http.Reply r = http.get("/explain?client=198.18.1.10:40000&vip=198.18.0.100:80&protocol=tcp");
        assertEquals(200, r.status(), r.body());
        assertEquals("198.18.0.100:80/tcp", r.json().get("service").textValue());
        assertEquals("new flow (scheduler)", r.json().get("decision").textValue());
        assertEquals("198.18.0.11", r.json().get("server").textValue());
        assertTrue(r.json().get("flowState").isNull());
        assertEquals("198.18.0.12 weight 2 (up)", r.json().get("candidates").get(1).textValue());
        assertEquals("explain 198.18.1.10:40000 198.18.0.100:80/tcp", fake.calls.getLast());
        Http.Reply noProtocol = http.get("/explain?client=198.18.1.10:40000&vip=198.18.0.100:53");
        assertEquals("no service", noProtocol.json().get("decision").textValue());
        Http.Reply bad = http.get("/explain?client=198.18.1.10&vip=198.18.0.100:80");
        assertEquals(400, bad.status());
        assertEquals("client: expected IP:PORT such as 198.18.0.100:80, found \"198.18.1.10\"", bad.error());
        assertEquals("vip: required parameter is missing", http.get("/explain?client=198.18.1.10:1").error());
        assertEquals("clinet: unknown parameter; expected client, vip, protocol",
                http.get("/explain?clinet=198.18.1.10:1").error());
    }

    @Test
    void unknownRouteIs404AndWrongMethodIs405() {
        Http.Reply unknown = http.get("/nope");
        assertEquals(404, unknown.status());
        assertEquals("application/json", unknown.contentType());
        assertEquals("no such endpoint: /nope (see docs/ADMIN-API.md)", unknown.error());
        assertEquals(404, http.post("/nope", "{}", TOKEN).status());
        Http.Reply wrong = http.get("/servers/weight");
        assertEquals(405, wrong.status());
        assertEquals("GET is not allowed on /servers/weight; use POST", wrong.error());
        assertEquals("POST", wrong.headers().firstValue("Allow").orElse(null));
        assertEquals("DELETE, POST",
                http.send("PUT", "/servers", "{}", TOKEN).headers().firstValue("Allow").orElse(null));
        assertEquals(200, http.get("/status/").status(), "a trailing slash is the same endpoint");
        assertEquals("verbose: unknown parameter; this endpoint takes none", http.get("/status?verbose=1").error());
    }

    @Test
    void aBugIsA500WithOneLine() {
        fake.statusFailure = new IllegalStateException("table not compiled\nsecond line");
        Http.Reply r = http.get("/status");
        assertEquals(500, r.status());
        assertEquals("internal error: table not compiled (IllegalStateException; see the dispatcher's log)", r.error());
    }

    @Test
    void tooLargeABodyIs413() {
        Http.Reply r = http.post("/servers/weight", "{\"x\":\"" + "a".repeat(AdminServer.MAX_BODY_BYTES) + "\"}",
                TOKEN);
        assertEquals(413, r.status());
    }

    @Test
    void extraGetHandlersAreServedOpenly() {
        server.addGetHandler("/metrics", List.of("name"), request -> AdminReply.text(200,
                "text/plain; version=0.0.4; charset=utf-8",
                "dispatcher_up 1\n# accept " + request.header("accept") + " name " + request.query().get("name")
                        + "\n"));
        Http.Reply r = http.get("/metrics?name=x");
        assertEquals(200, r.status());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.contentType());
        assertTrue(r.body().startsWith("dispatcher_up 1\n# accept "), r.body());
        assertTrue(r.body().endsWith(" name x\n"), r.body());
        assertEquals(405, http.post("/metrics", "{}", TOKEN).status());
        assertThrows(IllegalArgumentException.class, () -> server.addGetHandler("/metrics", q -> null));
        assertThrows(IllegalArgumentException.class, () -> server.addGetHandler("/status", q -> null));
        assertThrows(IllegalArgumentException.class, () -> server.addGetHandler("metrics", q -> null));
        server.addGetHandler("/broken", q -> {
            throw new ControlException(ControlException.Kind.NOT_FOUND, "nothing here");
        });
        assertEquals(404, http.get("/broken").status());
        assertNull(http.get("/broken").headers().firstValue("WWW-Authenticate").orElse(null));
    }

    @Test
    void aTakenPortIsAClearError() throws Exception {
        Exception e = assertThrows(java.io.IOException.class, () -> new AdminServer(fake,
                new AdminConfig("127.0.0.1", server.port(), dir.resolve("admin.token"))).close());
        assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + server.port()
                + " for the admin API (admin.listen): "), e.getMessage());
    }

    @Test
    void haEndpoints() {
        Http.Reply none = http.get("/ha");
        assertEquals(404, none.status());
        assertEquals("no high availability: the configuration has no ha section", none.error());
        fake.ha = new HaStatusView("backup", 2, "standby", List.of(),
                List.of("198.18.0.100"), null, 0, 0, true, 10, 9, Map.of(),
                Map.of(), null, 0, 0, 0, new HaStatusView.SyncView(true, 17, 17, 3,
                        0, Map.of(), false, 0, 0));
        Http.Reply ha = http.get("/ha");
        assertEquals(200, ha.status(), ha.body());
        assertEquals("standby", ha.json().get("state").textValue());
        assertEquals(17, ha.json().get("sync").get("applied").longValue());

        assertEquals(401, http.post("/ha/takeover", "", null).status(), "a change needs the token");
        Http.Reply took = http.post("/ha/takeover", "", TOKEN);
        assertEquals(200, took.status(), took.body());
        fake.haRefusal = "recovery is auto";
        Http.Reply refused = http.post("/ha/takeover", "", TOKEN);
        assertEquals(409, refused.status());
        assertEquals("takeover refused: recovery is auto", refused.error());
        fake.haRefusal = null;
        Http.Reply badRole = http.post("/ha/role", body("{'role':'master'}"), TOKEN);
        assertEquals(400, badRole.status());
        assertTrue(badRole.error().startsWith("role: "), badRole.error());
        Http.Reply extra = http.post("/ha/role", body("{'role':'active','force':true}"), TOKEN);
        assertEquals(400, extra.status());
        assertEquals(200, http.post("/ha/role", body("{'role':'active'}"), TOKEN).status());
        assertEquals(List.of("haStatus", "haStatus", "haTakeover", "haTakeover", "haRole active"),
                fake.calls.stream().filter(c -> c.startsWith("ha")).toList());
    }
}
