package dev.dispatcher.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.AdminConfig;
import dev.dispatcher.control.api.Explanation;
import dev.dispatcher.control.api.ReloadResult;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.StatusView;
import dev.dispatcher.testing.FakeControl;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client against a real server with the fake behind it: records round-trip, errors are one line. */
@Timeout(30)
class AdminClientTest {
    private static final ServerRef RS1 = AdminServerTest.RS1;

    @TempDir
    Path dir;

    FakeControl fake;
    AdminServer server;
    AdminClient client;

    @BeforeEach
    void start() throws Exception {
        fake = AdminServerTest.lab();
        Path token = AdminServerTest.tokenFile(dir, AdminServerTest.TOKEN, "rw-------");
        server = new AdminServer(fake, new AdminConfig("127.0.0.1", 0, token));
        client = new AdminClient("127.0.0.1", server.port(), AdminServerTest.TOKEN, Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void statusRoundTripsAsRecords() throws Exception {
        StatusView status = client.status();
        assertEquals(fake.status(), status);
    }

    @Test
    void everyChangeReturnsTheServersAccount() throws Exception {
        assertEquals("added 198.18.0.14 in 198.18.0.100:80/tcp with weight 2",
                client.addServer(ServerRef.of("198.18.0.100", 80, "tcp", "198.18.0.14"), 2, null));
        assertEquals("set the weight of 198.18.0.11 in 198.18.0.100:80/tcp to 9", client.setWeight(RS1, 9));
        assertEquals("198.18.0.11 in 198.18.0.100:80/tcp is marked up by the operator", client.override(RS1, "up"));
        assertTrue(client.drain(RS1).startsWith("draining 198.18.0.11"));
        fake.active(RS1, 4L);
        assertEquals(4, client.activeConnections(RS1));
        assertEquals("removed 198.18.0.14 in 198.18.0.100:80/tcp",
                client.removeServer(ServerRef.of("198.18.0.100", 80, "tcp", "198.18.0.14")));
        assertEquals("/etc/dispatcher/dispatcher.yaml", client.saveConfig());
        assertEquals(fake.yaml, client.runningConfigYaml());
        Explanation e = client.explain("198.18.1.10", 40000, "198.18.0.100", 80, "tcp");
        assertEquals("198.18.0.100:80/tcp", e.service());
    }

    @Test
    void aRefusedReloadIsAResultNotAnError() throws Exception {
        fake.nextReload = new ReloadResult(false, 2L, List.of("a.yaml:1:1: clusters: required key is missing"),
                List.of(), List.of());
        ReloadResult result = client.reload();
        assertFalse(result.applied());
        assertEquals(fake.nextReload, result);
    }

    @Test
    void refusalsCarryTheServersOneLineAndStatus() {
        AdminClientException notFound = assertThrows(AdminClientException.class,
                () -> client.setWeight(ServerRef.of("198.18.0.100", 80, "tcp", "198.18.0.99"), 1));
        assertEquals(404, notFound.status());
        assertEquals("no server 198.18.0.99 in 198.18.0.100:80/tcp", notFound.getMessage());
        try (AdminClient noToken = new AdminClient("127.0.0.1", server.port(), null, Duration.ofSeconds(5))) {
            AdminClientException refused = assertThrows(AdminClientException.class, () -> noToken.drain(RS1));
            assertEquals(401, refused.status());
            assertEquals("missing Authorization: Bearer <token> header; every change needs the admin token",
                    refused.getMessage());
        }
        AdminClientException route = assertThrows(AdminClientException.class, () -> client.getText("/metrics"));
        assertEquals(404, route.status());
    }

    @Test
    void anUnreachableApiIsOneLineThatSaysWhatToCheck() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (AdminClient nowhere = new AdminClient("127.0.0.1", port, null, Duration.ofSeconds(2))) {
            AdminClientException e = assertThrows(AdminClientException.class, nowhere::status);
            assertEquals(0, e.status());
            assertEquals("cannot reach the dispatcher admin API at 127.0.0.1:" + port
                    + ": connection refused (is it running? see admin.listen)", e.getMessage());
        }
    }

    @Test
    void ipv6HostsAreBracketed() {
        assertEquals("[::1]:9100", AdminClient.hostPort("::1", 9100));
        assertEquals("127.0.0.1:9100", AdminClient.hostPort("127.0.0.1", 9100));
    }
}
