package dev.dispatcher.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dispatcher.config.AdminConfig;
import dev.dispatcher.testing.FakeControl;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that send slowly, too much, or never finish: none of them may hold up the others, and
 * each is dropped once its request is overdue, with nothing applied.
 */
@Timeout(60)
class AdminLimitsTest {
    private static final String TOKEN = AdminServerTest.TOKEN;
    /** "Answers within 1 s": a frozen API does not answer at all, a working one in milliseconds. */
    private static final int ANSWER_MILLIS = 1_000;
    /** Longer than any request deadline the server may set, and short enough for a test. */
    private static final int DROPPED_WITHIN_MILLIS = 15_000;
    private static final String HALF_SENT = "GET /status HTTP/1.1\r\nHost: x\r\nX-Slow: ";

    @TempDir
    java.nio.file.Path dir;

    FakeControl fake;
    AdminServer server;
    final List<Socket> sockets = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        fake = AdminServerTest.lab();
        server = new AdminServer(fake,
                new AdminConfig("127.0.0.1", 0, AdminServerTest.tokenFile(dir, TOKEN, "rw-------")));
        server.addGetHandler("/metrics", request -> AdminReply.text(200, "text/plain; version=0.0.4; charset=utf-8",
                "dispatcher_up 1\n"));
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
        server.close();
    }

    private Socket open(int readTimeoutMillis) {
        Socket socket = RawHttp.connect(server.port(), readTimeoutMillis);
        sockets.add(socket);
        return socket;
    }

    private String get(String path) throws IOException {
        return RawHttp.exchange(server.port(), "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                ANSWER_MILLIS);
    }

    /** True when the server closes {@code socket} (EOF or reset) before {@code millis} have passed. */
    private static boolean closedByServerWithin(Socket socket, long millis) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        socket.setSoTimeout(200);
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        while (System.nanoTime() - deadline < 0) {
            try {
                if (in.read(buffer) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                // still open
            } catch (SocketException e) {
                return true;
            }
        }
        return false;
    }

    @Test
    void fiftyHalfSentRequestsDoNotStarveTheOthers() throws Exception {
        for (int i = 0; i < 50; i++) {
            RawHttp.write(open(DROPPED_WITHIN_MILLIS), HALF_SENT);
        }
        Thread.sleep(300); // let the server take them in: they must be in progress while the others ask
        String metrics = get("/metrics");
        assertEquals(200, RawHttp.status(metrics), metrics);
        assertEquals("dispatcher_up 1\n", RawHttp.body(metrics));
        assertEquals(200, RawHttp.status(get("/status")));
    }

    @Test
    void aHalfSentRequestIsClosedAfterTheDeadline() throws Exception {
        Socket slow = open(DROPPED_WITHIN_MILLIS);
        RawHttp.write(slow, HALF_SENT);
        assertTrue(closedByServerWithin(slow, DROPPED_WITHIN_MILLIS), "a request whose headers never end stays open");
    }

    @Test
    void aRequestTrickledByteByByteIsClosedAtTheDeadlineToo() throws Exception {
        // Each byte restarts an idle timer, so only a deadline on the whole request stops this one.
        Socket slow = open(100);
        RawHttp.write(slow, "GET /status HTTP/1.1\r\nHost: x\r\n");
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DROPPED_WITHIN_MILLIS);
        while (System.nanoTime() - end < 0) {
            try {
                RawHttp.write(slow, "X");
            } catch (IOException e) {
                return; // closed by the server
            }
            if (closedByServerWithin(slow, 300)) {
                return;
            }
        }
        fail("a request sent one byte at a time stays open");
    }

    @Test
    void aBodyThatNeverArrivesIsDroppedAndNothingIsApplied() throws Exception {
        Socket slow = open(DROPPED_WITHIN_MILLIS);
        RawHttp.write(slow, "POST /servers/weight HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
                + "\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
                + "{\"vip\": \"198.18.0.100\", \"port\": 80, \"server\": \"198.18.0.11\", \"weight\": 9}");
        assertTrue(closedByServerWithin(slow, DROPPED_WITHIN_MILLIS), "a request whose body never ends stays open");
        assertTrue(fake.calls.stream().noneMatch(c -> c.startsWith("setWeight")), fake.calls.toString());
        assertEquals(3, fake.weight(AdminServerTest.RS1));
    }

    @Test
    void headersOver8KiBAreRefusedWith431() throws Exception {
        String response = RawHttp.exchange(server.port(),
                "GET /status HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(16 * 1024)
                + "\r\nConnection: close\r\n\r\n", DROPPED_WITHIN_MILLIS);
        assertEquals(431, RawHttp.status(response), response);
        assertEquals("application/json", RawHttp.header(response, "Content-Type"), response);
        assertEquals("request headers larger than 8192 bytes",
                Json.MAPPER.readTree(RawHttp.body(response)).get("error").textValue());
        assertTrue(fake.calls.isEmpty(), fake.calls.toString());
    }

    @Test
    void jettysOwnRefusalsAreOneLineOfJsonToo() throws Exception {
        String response = RawHttp.exchange(server.port(), "NOT-HTTP\r\n\r\n", DROPPED_WITHIN_MILLIS);
        assertEquals(400, RawHttp.status(response), response);
        assertEquals("application/json", RawHttp.header(response, "Content-Type"), response);
        String error = Json.MAPPER.readTree(RawHttp.body(response)).get("error").textValue();
        assertTrue(error.startsWith("HTTP 400") && !error.contains("\n"), error);
    }

    @Test
    void aBodyAnnouncedLargerThanTheLimitIsRefusedWith413BeforeItIsSent() throws Exception {
        String response = RawHttp.exchange(server.port(),
                "POST /servers/weight HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n",
                DROPPED_WITHIN_MILLIS);
        assertEquals(413, RawHttp.status(response), response);
        assertEquals("request body larger than 65536 bytes",
                Json.MAPPER.readTree(RawHttp.body(response)).get("error").textValue());
    }

    @Test
    void connectionsBeyondTheCapWaitTheirTurn() throws Exception {
        AdminLimits small = new AdminLimits(1_000, 30_000, 4, 8 * 1024, 64 * 1024);
        AdminConfig config = new AdminConfig("127.0.0.1", 0, dir.resolve("admin.token"));
        try (AdminServer capped = new AdminServer(fake, config, new TokenFile(config.tokenFile()), small)) {
            for (int i = 0; i < 10; i++) {
                Socket socket = RawHttp.connect(capped.port(), DROPPED_WITHIN_MILLIS);
                sockets.add(socket);
                RawHttp.write(socket, HALF_SENT);
            }
            for (int i = 0; i < 20; i++) {
                assertTrue(capped.openConnections() <= 4, capped.openConnections() + " connections open");
                Thread.sleep(10);
            }
            // The stuck ones are dropped at their deadline, four at a time; then this one is served.
            String status = RawHttp.exchange(capped.port(), "GET /status HTTP/1.1\r\nHost: x\r\n\r\n",
                    DROPPED_WITHIN_MILLIS);
            assertEquals(200, RawHttp.status(status), status);
        }
    }

    @Test
    void anAnswerTheClientDoesNotTakeIsDroppedAtItsDeadline() throws Exception {
        int size = 16 << 20; // more than the socket buffers on both ends hold
        AdminLimits small = new AdminLimits(5_000, 1_000, 8, 8 * 1024, 64 * 1024);
        AdminConfig config = new AdminConfig("127.0.0.1", 0, dir.resolve("admin.token"));
        try (AdminServer capped = new AdminServer(fake, config, new TokenFile(config.tokenFile()), small)) {
            capped.addGetHandler("/big", request -> AdminReply.text(200, "text/plain", "x".repeat(size)));
            Socket reader = new Socket();
            sockets.add(reader);
            reader.setReceiveBufferSize(4096);
            reader.connect(new java.net.InetSocketAddress("127.0.0.1", capped.port()), 5_000);
            reader.setSoTimeout(DROPPED_WITHIN_MILLIS);
            RawHttp.write(reader, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
            Thread.sleep(3_000); // past the answer's deadline, without reading
            long received = 0;
            byte[] buffer = new byte[65536];
            try {
                for (int n; (n = reader.getInputStream().read(buffer)) >= 0; ) {
                    received += n;
                }
            } catch (SocketException e) {
                // reset by the server: dropped
            }
            assertTrue(received < size, "the whole answer came through: " + received + " bytes");
        }
    }
}
