package dev.dispatcher.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.AdminConfig;
import dev.dispatcher.testing.FakeControl;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input the API must refuse although it could guess a meaning: text after the JSON object, a second
 * object, a body or a query parameter where the endpoint takes none, a body that is not JSON, a
 * header given twice, a null where a value belongs. Each is a 400 (415 for the content type) that
 * names what is wrong, and reaches no operation: a refused request changes nothing.
 */
@Timeout(30)
class AdminStrictInputTest {
    private static final String TOKEN = AdminServerTest.TOKEN;
    private static final String RS1 = "'vip':'198.18.0.100','port':80,'protocol':'tcp','server':'198.18.0.11'";
    private static final String READS = "status runningConfigYaml";

    @TempDir
    Path dir;

    FakeControl fake;
    AdminServer server;
    Http http;

    @BeforeEach
    void start() throws Exception {
        fake = AdminServerTest.lab();
        server = new AdminServer(fake,
                new AdminConfig("127.0.0.1", 0, AdminServerTest.tokenFile(dir, TOKEN, "rw-------")));
        http = new Http(server.port());
    }

    @AfterEach
    void stop() {
        http.close();
        server.close();
    }

    private static String json(String text) {
        return text.replace('\'', '"');
    }

    /** No operation other than reads ran: nothing was changed, nothing half-done. */
    private void assertNothingChanged() {
        assertTrue(fake.calls.stream().allMatch(c -> READS.contains(c)), fake.calls.toString());
        assertEquals(3, fake.weight(AdminServerTest.RS1));
    }

    private Http.Reply refused(int status, Http.Reply reply) {
        assertEquals(status, reply.status(), reply.body());
        assertTrue(reply.body().endsWith("}\n") && !reply.error().contains("\n"), reply.body());
        return reply;
    }

    private String raw(String method, String pathAndQuery, String headers, byte[] body) throws IOException {
        String head = method + " " + pathAndQuery + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
                + body.length + "\r\n" + headers + "\r\n";
        try (var socket = RawHttp.connect(server.port(), 10_000)) {
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            return RawHttp.readUntilClosed(socket);
        }
    }

    private static String error(String response) throws IOException {
        return Json.MAPPER.readTree(RawHttp.body(response)).get("error").textValue();
    }

    @Test
    void textAfterTheJsonObjectIsRefused() {
        String weight9 = json("{" + RS1 + ",'weight':9}");
        Http.Reply trailing = refused(400, http.post("/servers/weight", weight9 + " x", TOKEN));
        assertTrue(trailing.error().startsWith("malformed JSON at line 1, column "), trailing.error());
        refused(400, http.post("/servers/weight", weight9 + json("{'weight':1}"), TOKEN));
        refused(400, http.post("/servers/weight", weight9 + "\n" + weight9, TOKEN));
        refused(400, http.post("/servers/weight", weight9 + "]", TOKEN));
        assertNothingChanged();
        assertEquals(200, http.post("/servers/weight", weight9 + " \n\t", TOKEN).status(),
                "white space after it is fine");
    }

    @Test
    void reloadAndSaveTakeNoBodyAndNoParameters() {
        assertEquals("request body: POST /reload takes none, found 2 byte(s)",
                refused(400, http.post("/reload", "{}", TOKEN)).error());
        assertEquals("request body: POST /config/save takes none, found 2 byte(s)",
                refused(400, http.post("/config/save", "{}", TOKEN)).error());
        assertEquals("force: unknown parameter; this endpoint takes none",
                refused(400, http.send("POST", "/reload?force=1", null, TOKEN)).error());
        assertEquals("path: unknown parameter; this endpoint takes none",
                refused(400, http.send("POST", "/config/save?path=/tmp/x.yaml", null, TOKEN)).error());
        assertNothingChanged();
        assertEquals(200, http.post("/reload", null, TOKEN).status());
        assertEquals(200, http.post("/config/save", null, TOKEN).status());
    }

    @Test
    void jsonEndpointsTakeNoQueryParameters() {
        String body = json("{" + RS1 + ",'weight':9}");
        assertEquals("weight: unknown parameter; this endpoint takes none",
                refused(400, http.post("/servers/weight?weight=5", body, TOKEN)).error());
        refused(400,
                http.post("/servers?mac=02:00:00:00:00:19", json("{" + RS1.replace("0.11", "0.19") + ",'weight':1}"),
                        TOKEN));
        refused(400, http.post("/servers/drain?now", json("{" + RS1 + "}"), TOKEN));
        refused(400, http.post("/servers/override?state=up", json("{" + RS1 + ",'state':'down'}"), TOKEN));
        assertNothingChanged();
    }

    @Test
    void bodiesWhereNoneIsTakenAreRefused() {
        String query = "vip=198.18.0.100&port=80&protocol=tcp&server=198.18.0.11";
        assertEquals("request body: DELETE /servers takes none, found 2 byte(s)",
                refused(400, http.send("DELETE", "/servers?" + query, "{}", TOKEN)).error());
        refused(400, http.send("GET", "/status", "{}", null));
        refused(400, http.send("GET", "/servers/active?" + query, "x", null));
        refused(400, http.send("GET", "/explain?client=198.18.1.10:1&vip=198.18.0.100:80", "{}", null));
        refused(400, http.send("GET", "/config", "{}", null));
        assertTrue(fake.calls.isEmpty(), fake.calls.toString());
        assertTrue(fake.has(AdminServerTest.RS1));
    }

    @Test
    void aJsonBodyNeedsTheJsonContentType() throws IOException {
        byte[] body = json("{" + RS1 + ",'weight':9}").getBytes(StandardCharsets.UTF_8);
        String auth = "Authorization: Bearer " + TOKEN + "\r\n";
        String none = raw("POST", "/servers/weight", auth, body);
        assertEquals(415, RawHttp.status(none), none);
        assertEquals("Content-Type: expected application/json, found none", error(none));
        String form = raw("POST", "/servers/weight", auth + "Content-Type: application/x-www-form-urlencoded\r\n",
                body);
        assertEquals(415, RawHttp.status(form), form);
        assertEquals("Content-Type: expected application/json (UTF-8), found \"application/x-www-form-urlencoded\"",
                error(form));
        String latin1 = raw("POST", "/servers/weight", auth + "Content-Type: application/json; charset=iso-8859-1\r\n",
                body);
        assertEquals(415, RawHttp.status(latin1), latin1);
        String twice = raw("POST", "/servers/weight",
                auth + "Content-Type: application/json\r\nContent-Type: text/plain\r\n", body);
        assertEquals(400, RawHttp.status(twice), twice);
        assertNothingChanged();
        String utf8 = raw("POST", "/servers/weight", auth + "Content-Type: Application/JSON; charset=\"UTF-8\"\r\n",
                body);
        assertEquals(200, RawHttp.status(utf8), utf8);
    }

    @Test
    void aBodyThatIsNotUtf8IsRefused() throws IOException {
        String auth = "Authorization: Bearer " + TOKEN + "\r\nContent-Type: application/json\r\n";
        String utf16 = raw("POST", "/servers/weight", auth,
                json("{" + RS1 + ",'weight':9}").getBytes(StandardCharsets.UTF_16));
        assertEquals(400, RawHttp.status(utf16), utf16);
        assertTrue(error(utf16).startsWith("request body: not UTF-8"), utf16);
        byte[] latin1 = json("{" + RS1 + ",'weight':9,'mac':'\u00e9'}").getBytes(StandardCharsets.ISO_8859_1);
        String bad = raw("POST", "/servers/weight", auth, latin1);
        assertEquals(400, RawHttp.status(bad), bad);
        assertNothingChanged();
    }

    @Test
    void theTokenHeaderGivenTwiceIsRefused() throws IOException {
        byte[] body = json("{" + RS1 + ",'weight':9}").getBytes(StandardCharsets.UTF_8);
        String twice = raw("POST", "/servers/weight", "Content-Type: application/json\r\nAuthorization: Bearer " + TOKEN
                + "\r\nAuthorization: Bearer wrong\r\n", body);
        assertEquals(400, RawHttp.status(twice), twice);
        assertEquals("Authorization: header given more than once", error(twice));
        assertNothingChanged();
    }

    @Test
    void nullIsNotAValue() {
        assertEquals("mac: must be a string, found null", refused(400, http.post("/servers",
                json("{" + RS1.replace("0.11", "0.19") + ",'weight':1,'mac':null}"), TOKEN)).error());
        assertEquals("protocol: must be a string, found null", refused(400, http.post("/servers/weight",
                json("{" + RS1.replace("'tcp'", "null") + ",'weight':9}"), TOKEN)).error());
        assertEquals("weight: must be an integer from 0 to 10000, found null", refused(400, http.post("/servers/weight",
                json("{" + RS1 + ",'weight':null}"), TOKEN)).error());
        assertNothingChanged();
    }

    @Test
    void anEmptyParameterIsNotLeftOut() {
        assertEquals("protocol: must be tcp or udp, found \"\"", refused(400,
                http.get("/servers/active?vip=198.18.0.100&port=80&protocol=&server=198.18.0.11")).error());
        assertEquals("protocol: must be tcp or udp, found \"\"", refused(400,
                http.get("/explain?client=198.18.1.10:1&vip=198.18.0.100:80&protocol")).error());
        assertEquals("port: must be an integer from 1 to 65535, found \"\"", refused(400, http.send("DELETE",
                "/servers?vip=198.18.0.100&port=&server=198.18.0.11", null, TOKEN)).error());
        assertNothingChanged();
    }

    @Test
    void numbersOutOfRangeOrNotIntegersAreRefused() {
        for (String weight : List.of("10001", "-1", "-0", "9.0", "9.5", "1e3", "2147483648",
                "99999999999999999999", "-99999999999999999999", "'9'", "true")) {
            Http.Reply r = refused(400,
                    http.post("/servers/weight", json("{" + RS1 + ",'weight':" + weight + "}"), TOKEN));
            assertTrue(r.error().startsWith("weight: must be an integer from 0 to 10000, found "), r.error());
        }
        for (String port : List.of("0", "65536", "-80", "-0", "80.0", "4294967376")) {
            Http.Reply r = refused(400,
                    http.post("/servers/weight", json("{" + RS1.replace("80", port) + ",'weight':9}"), TOKEN));
            assertTrue(r.error().startsWith("port: must be an integer from 1 to 65535, found "), r.error());
        }
        refused(400, http.post("/servers/weight", json("{" + RS1 + ",'weight':09}"), TOKEN));
        refused(400, http.post("/servers/weight", json("{" + RS1 + ",'weight':+1}"), TOKEN));
        // JSON allows -0 and the tree reads it as 0; the configuration file refuses the sign.
        assertEquals("weight: must be an integer from 0 to 10000, found \"-0\"", refused(400,
                http.post("/servers/weight", json("{" + RS1 + ",'weight':-0}"), TOKEN)).error());
        assertEquals("/weight/0: must not be signed, found -0", refused(400,
                http.post("/servers/weight", json("{" + RS1 + ",'weight':[-0]}"), TOKEN)).error());
        refused(400, http.post("/servers/weight", json("{" + RS1 + ",'weight':NaN}"), TOKEN));
        assertEquals("port: must be an integer from 1 to 65535, found \"4294967376\"", refused(400,
                http.get("/servers/active?vip=198.18.0.100&port=4294967376&server=198.18.0.11")).error());
        assertEquals("port: must be an integer from 1 to 65535, found \"+80\"", refused(400,
                http.get("/servers/active?vip=198.18.0.100&port=%2B80&server=198.18.0.11")).error());
        assertEquals("client: the port must be an integer from 1 to 65535, found \"198.18.1.10:65536\"", refused(400,
                http.get("/explain?client=198.18.1.10:65536&vip=198.18.0.100:80")).error());
        assertNothingChanged();
    }

    @Test
    void aFieldOfTheWrongShapeIsRefused() {
        assertEquals("server: must be a string, found an object {\"a\":1}", refused(400, http.post("/servers/weight",
                json("{" + RS1.replace("'198.18.0.11'", "{'a':1}") + ",'weight':9}"), TOKEN)).error());
        assertEquals("vip: must be a string, found an array [\"198.18.0.100\"]",
                refused(400, http.post("/servers/weight",
                json("{" + RS1.replace("'198.18.0.100'", "['198.18.0.100']") + ",'weight':9}"), TOKEN)).error());
        Http.Reply nested = refused(400, http.post("/servers/weight",
                json("{" + RS1 + ",'weight':9,'extra':{'weight':1,'weight':2}}"), TOKEN));
        assertTrue(nested.error().contains("weight"), nested.error());
        assertNothingChanged();
    }

    @Test
    void methodsAreCaseSensitive() throws IOException {
        String lower = raw("get", "/status", "", new byte[0]);
        assertEquals(405, RawHttp.status(lower), lower);
        assertEquals("get is not allowed on /status; use GET", error(lower));
        String post = raw("post", "/reload", "Authorization: Bearer " + TOKEN + "\r\n", new byte[0]);
        assertEquals(405, RawHttp.status(post), post);
        assertTrue(fake.calls.isEmpty(), fake.calls.toString());
    }

    @Test
    void extraGetHandlersTakeOnlyTheParametersTheyName() {
        server.addGetHandler("/metrics", request -> AdminReply.text(200, "text/plain; charset=utf-8", "up 1\n"));
        assertEquals("name[]: unknown parameter; this endpoint takes none",
                refused(400, http.get("/metrics?name%5B%5D=up")).error());
        refused(400, http.send("GET", "/metrics", "x", null));
        assertEquals(200, http.get("/metrics").status());
    }

    @Test
    void aNumberWithALeadingZeroIsRefusedInTheQueryAsInJson() {
        assertEquals("port: must be an integer from 1 to 65535, found \"080\"", refused(400,
                http.get("/servers/active?vip=198.18.0.100&port=080&server=198.18.0.11")).error());
        assertEquals("client: the port must be an integer from 1 to 65535, found \"198.18.1.10:01\"", refused(400,
                http.get("/explain?client=198.18.1.10:01&vip=198.18.0.100:80")).error());
        refused(400, http.send("DELETE", "/servers?vip=198.18.0.100&port=0080&server=198.18.0.11", null, TOKEN));
        assertNothingChanged();
        assertTrue(fake.has(AdminServerTest.RS1));
    }

    @Test
    void pathParametersAreRefusedLikeUnknownQueryParameters() throws IOException {
        String status = raw("GET", "/status;verbose=1", "", new byte[0]);
        assertEquals(400, RawHttp.status(status), status);
        String weight = raw("POST", "/servers/weight;weight=5", "Authorization: Bearer " + TOKEN
                + "\r\nContent-Type: application/json\r\n",
                json("{" + RS1 + ",'weight':9}").getBytes(StandardCharsets.UTF_8));
        assertEquals(400, RawHttp.status(weight), weight);
        assertNothingChanged();
    }
}
