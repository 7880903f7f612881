package dev.dispatcher.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.AdminConfig;
import dev.dispatcher.testing.FakeControl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Changes need the token from a private file; reads need nothing; a rotated file is picked up. */
@Timeout(30)
class AdminTokenTest {
    private static final String WEIGHT = "{\"vip\":\"198.18.0.100\",\"port\":80,\"server\":\"198.18.0.11\","
            + "\"weight\":5}";

    @TempDir
    Path dir;

    Path file;
    FakeControl fake;
    AdminServer server;
    Http http;

    @BeforeEach
    void start() throws Exception {
        file = dir.resolve("admin.token");
        fake = AdminServerTest.lab();
        server = new AdminServer(fake, new AdminConfig("127.0.0.1", 0, file));
        http = new Http(server.port());
    }

    @AfterEach
    void stop() {
        http.close();
        server.close();
    }

    private void writeToken(String content, String mode) throws Exception {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    }

    @Test
    void aChangeWithoutTheHeaderIs401() throws Exception {
        writeToken("t0ken\n", "rw-------");
        Http.Reply r = http.post("/servers/weight", WEIGHT, null);
        assertEquals(401, r.status());
        assertEquals("missing Authorization: Bearer <token> header; every change needs the admin token", r.error());
        assertEquals("Bearer realm=\"dispatcher\"", r.headers().firstValue("WWW-Authenticate").orElse(null));
        assertTrue(fake.calls.stream().noneMatch(c -> c.startsWith("setWeight")));
    }

    @Test
    void aWrongTokenIs401() throws Exception {
        writeToken("t0ken\n", "rw-------");
        Http.Reply r = http.post("/servers/weight", WEIGHT, "t0ke");
        assertEquals(401, r.status());
        assertEquals("wrong admin token", r.error());
        Http.Reply basic = http.send("POST", "/servers/weight", WEIGHT, null);
        assertEquals(401, basic.status());
        assertEquals(401,
                http.send("DELETE", "/servers?vip=198.18.0.100&port=80&server=198.18.0.11", null, "nope").status());
        assertTrue(fake.calls.isEmpty(), fake.calls.toString());
        assertEquals(200, http.post("/servers/weight", WEIGHT, "t0ken").status());
    }

    @Test
    void aMissingTokenFileRefusesEveryChangeButNotReads() {
        Http.Reply r = http.post("/servers/weight", WEIGHT, "anything");
        assertEquals(401, r.status());
        assertEquals("no admin token configured: create " + file + " (mode 0600)", r.error());
        assertEquals(401, http.post("/reload", null, null).status());
        assertEquals(200, http.get("/status").status());
        assertEquals(200, http.get("/config").status());
        assertEquals(200, http.get("/servers/active?vip=198.18.0.100&port=80&server=198.18.0.11").status());
        assertTrue(fake.calls.stream().noneMatch(c -> c.startsWith("setWeight") || c.equals("reload")));
    }

    @Test
    void aTokenFileOthersCanReadIsRefused() throws Exception {
        writeToken("t0ken\n", "rw-r--r--");
        Http.Reply r = http.post("/servers/weight", WEIGHT, "t0ken");
        assertEquals(401, r.status());
        assertEquals("no admin token configured: " + file + " mode 0644 is too open, use 0600 (chmod 600 " + file + ")",
                r.error());
        writeToken("t0ken\n", "rw-r-----");
        assertTrue(http.post("/servers/weight", WEIGHT, "t0ken").error().contains("mode 0640 is too open, use 0600"));
        assertEquals(200, http.get("/status").status());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertEquals(200, http.post("/servers/weight", WEIGHT, "t0ken").status(), "chmod 600 is picked up at once");
    }

    @Test
    void anEmptyTokenFileIsRefused() throws Exception {
        writeToken("\n", "rw-------");
        Http.Reply r = http.post("/servers/weight", WEIGHT, "");
        assertEquals(401, r.status());
        assertEquals("no admin token configured: " + file + " is empty; write the token to it (mode 0600)", r.error());
    }

    @Test
    void aRotatedTokenIsPickedUpWithoutRestart() throws Exception {
        writeToken("first-token\n", "rw-------");
        assertEquals(200, http.post("/servers/weight", WEIGHT, "first-token").status());
        writeToken("second\n", "rw-------");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));
        assertEquals(401, http.post("/servers/weight", WEIGHT, "first-token").status());
        assertEquals(200, http.post("/servers/weight", WEIGHT, "second").status());
        Files.delete(file);
        assertTrue(http.post("/servers/weight", WEIGHT, "second").error()
                .startsWith("no admin token configured: create "));
    }

    @Test
    void aTokenIsComparedWholeAndOnlyWhenUsable() {
        AdminToken token = AdminToken.of("abc");
        assertTrue(token.matches("abc"));
        assertFalse(token.matches("ab"));
        assertFalse(token.matches("abcd"));
        assertFalse(token.matches(null));
        AdminToken none = AdminToken.unusable("no admin token configured: create x (mode 0600)");
        assertFalse(none.usable());
        assertFalse(none.matches(""));
        assertFalse(token.toString().contains("abc"));
    }

    @Test
    void modesAreWrittenAsChmodWritesThem() {
        assertEquals("0600", TokenFile.mode(PosixFilePermissions.fromString("rw-------")));
        assertEquals("0644", TokenFile.mode(PosixFilePermissions.fromString("rw-r--r--")));
        assertEquals("0751", TokenFile.mode(PosixFilePermissions.fromString("rwxr-x--x")));
    }
}
