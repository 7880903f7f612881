package dev.dispatcher.health;

import static dev.dispatcher.health.HealthTesting.loopback;
import static dev.dispatcher.health.HealthTesting.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class TcpProberTest {
    private final TcpProber prober = new TcpProber(Duration.ofMillis(300));

    @Test
    void aListeningPortIsUp() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            ProbeResult result = prober.probe(target(server.getLocalPort()));
            assertTrue(result.success(), result.reason());
            assertEquals("connected", result.reason());
            assertTrue(result.durationNanos() > 0);
        }
    }

    @Test
    void aClosedPortIsRefused() throws IOException {
        int port;
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            port = server.getLocalPort();
        }
        ProbeResult result = prober.probe(target(port));
        assertFalse(result.success());
        assertEquals("connection refused", result.reason());
    }

    /**
     * Linux drops a SYN while the listener's accept queue is full, so once a never-accepting
     * listener with a backlog of 1 has its queue full, connects to it time out, on loopback too.
     */
    @Test
    void aFullAcceptQueueIsAConnectTimeout() throws IOException {
        List<Socket> fillers = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            boolean full = false;
            for (int i = 0; i < 20 && !full; i++) {
                Socket filler = new Socket();
                fillers.add(filler);
                try {
                    filler.connect(loopback(server.getLocalPort()), 200);
                } catch (SocketTimeoutException e) {
                    full = true;
                }
            }
            Assumptions.assumeTrue(full, "this kernel never dropped a SYN for a full accept queue");
            long start = System.nanoTime();
            ProbeResult result = prober.probe(target(server.getLocalPort()));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertFalse(result.success());
            assertEquals("connect timeout after 300 ms", result.reason());
            assertTrue(millis >= 290 && millis < 5000, "took " + millis + " ms");
        } finally {
            for (Socket filler : fillers) {
                filler.close();
            }
        }
    }
}
