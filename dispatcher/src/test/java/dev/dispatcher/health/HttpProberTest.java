package dev.dispatcher.health;

import static dev.dispatcher.health.HealthTesting.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.dispatcher.health.HealthTesting.HungServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpProberTest {
    private static final Duration TIMEOUT = Duration.ofMillis(500);

    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicReference<String> body = new AtomicReference<>("");
    /** True: send the body with Content-Length; false: chunked. */
    private volatile boolean fixedLength = true;
    private final AtomicReference<String> seenHost = new AtomicReference<>();
    private final AtomicReference<String> seenTarget = new AtomicReference<>();
    private final AtomicReference<String> seenMethod = new AtomicReference<>();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private HttpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", this::answer);
        server.setExecutor(executor);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            seenHost.set(exchange.getRequestHeaders().getFirst("Host"));
            seenTarget.set(exchange.getRequestURI().toString());
            seenMethod.set(exchange.getRequestMethod());
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            if (exchange.getRequestMethod().equals("HEAD") || bytes.length == 0) {
                exchange.sendResponseHeaders(status.get(), -1);
                return;
            }
            exchange.sendResponseHeaders(status.get(), fixedLength ? bytes.length : 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private int port() {
        return server.getAddress().getPort();
    }

    private static HttpProber prober(List<Integer> expect, String bodyContains) {
        return new HttpProber(false, "GET", "", "/health", expect, bodyContains, TIMEOUT, TIMEOUT);
    }

    private ProbeResult probe(HttpProber prober) {
        return prober.probe(target(port()));
    }

    @Test
    void status200IsUp() {
        ProbeResult result = probe(prober(List.of(200), ""));
        assertTrue(result.success(), result.reason());
        assertEquals("HTTP 200", result.reason());
    }

    @Test
    void status503IsDown() {
        status.set(503);
        ProbeResult result = probe(prober(List.of(200), ""));
        assertFalse(result.success());
        assertEquals("HTTP 503", result.reason());
    }

    @Test
    void theExpectedStatusListDecides() {
        HttpProber prober = prober(List.of(200, 301), "");
        status.set(301);
        assertTrue(probe(prober).success());
        status.set(404);
        assertEquals("HTTP 404", probe(prober).reason());
        status.set(200);
        assertTrue(probe(prober).success());
    }

    @Test
    void anEmptyStatusListMeans2xxOr3xx() {
        HttpProber prober = prober(List.of(), "");
        status.set(204);
        assertTrue(probe(prober).success());
        status.set(302);
        assertTrue(probe(prober).success());
        status.set(500);
        assertFalse(probe(prober).success());
    }

    @Test
    void theBodyMustContainTheSubstring() {
        HttpProber prober = prober(List.of(200), "OK");
        for (boolean fixed : new boolean[] {true, false}) {
            fixedLength = fixed;
            body.set("status: OK\n");
            ProbeResult up = probe(prober);
            assertTrue(up.success(), up.reason());
            assertEquals("HTTP 200", up.reason());
            body.set("status: degraded\n");
            ProbeResult down = probe(prober);
            assertFalse(down.success());
            assertEquals("body lacks \"OK\"", down.reason());
        }
    }

    @Test
    void aMatchingStatusWithAnEmptyBodyLacksTheSubstring() {
        ProbeResult result = probe(prober(List.of(200), "OK"));
        assertEquals("body lacks \"OK\"", result.reason());
    }

    @Test
    void aWrongStatusIsReportedBeforeTheBody() {
        status.set(500);
        body.set("OK");
        assertEquals("HTTP 500", probe(prober(List.of(200), "OK")).reason());
    }

    @Test
    void theBodyIsReadOnlyUpTo64KiB() {
        HttpProber prober = prober(List.of(200), "NEEDLE");
        for (boolean fixed : new boolean[] {true, false}) {
            fixedLength = fixed;
            body.set("x".repeat(HttpProber.MAX_BODY_BYTES - 6) + "NEEDLE");
            assertTrue(probe(prober).success(), "within the limit");
            body.set("x".repeat(HttpProber.MAX_BODY_BYTES) + "NEEDLE");
            assertEquals("body lacks \"NEEDLE\"", probe(prober).reason(), "beyond the limit");
        }
    }

    @Test
    void hostHeaderMethodAndPathAreSentAsConfigured() {
        HttpProber prober = new HttpProber(false, "HEAD", "health.example", "/status?deep=1", List.of(200), "",
                TIMEOUT, TIMEOUT);
        assertTrue(probe(prober).success());
        assertEquals("health.example", seenHost.get());
        assertEquals("/status?deep=1", seenTarget.get());
        assertEquals("HEAD", seenMethod.get());
    }

    @Test
    void theDefaultHostIsTheServersAddressAndPort() {
        assertTrue(probe(prober(List.of(200), "")).success());
        assertEquals("127.0.0.1:" + port(), seenHost.get());
        assertEquals("/health", seenTarget.get());
        assertEquals("GET", seenMethod.get());
    }

    @Test
    void aServerThatNeverAnswersTimesOutWithinTheReceiveTimeout() throws Exception {
        try (HungServer hung = new HungServer()) {
            long start = System.nanoTime();
            ProbeResult result = prober(List.of(200), "").probe(target(hung.port()));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertFalse(result.success());
            assertEquals("receive timeout after 500 ms", result.reason());
            assertTrue(millis >= 490 && millis < 4000, "took " + millis + " ms");
        }
    }

    /** One byte every 50 ms would pass any per-read timeout; the deadline is for the whole answer. */
    @Test
    void aTricklingServerCannotStretchTheProbe() throws Exception {
        try (ServerSocket trickler = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket socket = trickler.accept(); OutputStream out = socket.getOutputStream()) {
                    byte[] head = "HTTP/1.1 200 OK\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < 200; i++) {
                        out.write(i < head.length ? head[i] : 'a');
                        out.flush();
                        Thread.sleep(50);
                    }
                } catch (IOException | InterruptedException e) {
                    // The prober gave up, as it should.
                }
            });
            long start = System.nanoTime();
            ProbeResult result = prober(List.of(200), "").probe(target(trickler.getLocalPort()));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals("receive timeout after 500 ms", result.reason());
            assertTrue(millis < 4000, "took " + millis + " ms");
        }
    }

    /** No length, no chunks, and the connection left open: the substring decides as soon as it is seen. */
    @Test
    void aFoundSubstringNeedsNoEndOfBody() throws Exception {
        try (ServerSocket lingering = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket socket = lingering.accept()) {
                    byte[] answer = "HTTP/1.1 200 OK\r\n\r\nstatus: OK\n".getBytes(StandardCharsets.US_ASCII);
                    socket.getOutputStream().write(answer);
                    socket.getInputStream().readAllBytes();
                } catch (IOException e) {
                    // The prober closed.
                }
            });
            long start = System.nanoTime();
            HttpProber prober = new HttpProber(false, "GET", "", "/health", List.of(200), "OK", TIMEOUT,
                    Duration.ofSeconds(5));
            ProbeResult result = prober.probe(target(lingering.getLocalPort()));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(result.success(), result.reason());
            assertTrue(millis < 4000, "took " + millis + " ms, not the 5 s receive timeout");
        }
    }

    @Test
    void somethingOtherThanHttpIsDown() throws Exception {
        try (ServerSocket ssh = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (Socket socket = ssh.accept()) {
                    // Read the request first: closing with it unread would answer with a reset.
                    socket.getInputStream().read(new byte[4096]);
                    socket.getOutputStream().write("SSH-2.0-OpenSSH_9.6\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // Nothing to do.
                }
            });
            ProbeResult result = prober(List.of(200), "").probe(target(ssh.getLocalPort()));
            assertFalse(result.success());
            assertEquals("not an HTTP answer: \"SSH-2.0-OpenSSH_9.6\"", result.reason());
        }
    }

    @Test
    void aClosedPortIsRefused() throws IOException {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        ProbeResult result = prober(List.of(200), "").probe(target(port));
        assertEquals("connection refused", result.reason());
    }

    @Test
    void refusesRequestPartsThatWouldSplitTheRequest() {
        assertThrows(IllegalArgumentException.class,
                () -> new HttpProber(false, "GET", "a\r\nX: y", "/", List.of(200), "", TIMEOUT, TIMEOUT));
        assertThrows(IllegalArgumentException.class,
                () -> new HttpProber(false, "GET", "", "/a b", List.of(200), "", TIMEOUT, TIMEOUT));
        assertThrows(IllegalArgumentException.class,
                () -> new HttpProber(false, "GET", "", "health", List.of(200), "", TIMEOUT, TIMEOUT));
    }

    @Test
    void httpsWithASelfSignedCertificateForAnotherNameIsUp(@TempDir Path dir) throws Exception {
        SSLContext context = selfSigned(dir);
        HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        https.setHttpsConfigurator(new HttpsConfigurator(context));
        https.createContext("/", this::answer);
        https.setExecutor(executor);
        https.start();
        try {
            body.set("OK");
            // A cold JVM's first TLS handshake can take seconds on a loaded machine; the property here
            // is that a self-signed certificate for another name is accepted, not speed.
            HttpProber prober = new HttpProber(true, "GET", "", "/health", List.of(200), "OK", Duration.ofSeconds(5),
                    Duration.ofSeconds(15));
            ProbeResult result = prober.probe(target(https.getAddress().getPort()));
            assertTrue(result.success(), result.reason());
            assertEquals("HTTP 200", result.reason());
            assertEquals("127.0.0.1:" + https.getAddress().getPort(), seenHost.get());

            ProbeResult plain = prober.probe(target(port()));
            assertFalse(plain.success(), "TLS to a plain HTTP server fails");
        } finally {
            https.stop(0);
        }
    }

    /** A key pair whose certificate names service.example, made by the JDK's keytool. */
    private static SSLContext selfSigned(Path dir) throws Exception {
        Path keystore = dir.resolve("server.p12");
        char[] password = "changeit".toCharArray();
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=service.example", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "keytool finished");
        assertEquals(0, process.exitValue(), output);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, password);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }
}
