package dev.dispatcher.health;

import dev.dispatcher.config.AdvisorConfig;
import dev.dispatcher.config.AdvisorType;
import dev.dispatcher.config.Ipv4;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Shared pieces of the health tests; everything on 127.0.0.1. */
final class HealthTesting {
    static final int LOOPBACK = Ipv4.parse("127.0.0.1");
    static final int VIP = Ipv4.parse("198.18.0.100");

    private HealthTesting() {
    }

    static ProbeTarget target(int port) {
        return new ProbeTarget(LOOPBACK, port, VIP, "127.0.0.1:" + port);
    }

    static ProbeTarget target(int port, String key) {
        return new ProbeTarget(LOOPBACK, port, VIP, key);
    }

    static AdvisorConfig advisor(AdvisorType type, Duration interval, Duration timeout, int rise, int fall) {
        return new AdvisorConfig(type, 0, "GET", "", "/health", List.of(200), "", List.of(), interval, timeout,
                timeout, rise, fall);
    }

    static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** Polls {@code condition} every 5 ms until it holds or {@code timeout} passes. */
    static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** A server that accepts connections and never answers; holds them until closed. */
    static final class HungServer implements AutoCloseable {
        final ServerSocket listener;
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        HungServer() throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor = Thread.ofVirtual().name("hung-server").start(() -> {
                try {
                    while (true) {
                        accepted.add(listener.accept());
                    }
                } catch (IOException closed) {
                    // The test is over.
                }
            });
        }

        int port() {
            return listener.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            try {
                acceptor.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    /** What a listener heard. */
    record Event(String key, boolean up, String reason, long atNanos) {
    }

    /** A listener that queues what it hears. */
    static final class Events implements HealthListener {
        final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();

        @Override
        public void onTransition(ProbeTarget target, boolean up, String reason) {
            queue.add(new Event(target.key(), up, reason, System.nanoTime()));
        }

        Event next(Duration timeout) throws InterruptedException {
            return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
    }
}
