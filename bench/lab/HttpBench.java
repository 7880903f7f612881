import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A bounded HTTP/1.1 load generator for the lab comparison (bench/lab/compare.sh), run in the
 * client namespace against LabServer (deploy/lab/LabServer.java).
 *
 * Usage: java HttpBench.java MODE HOST PORT CONNECTIONS SECONDS
 *   keepalive  GET / over CONNECTIONS persistent connections; counts requests
 *   close      GET / with "Connection: close", a new connection per request; counts connections
 *   download   GET /big?mib=1 over CONNECTIONS persistent connections; every body is compared
 *              byte for byte with the expected stream (LabServer's xorshift64); counts bytes
 *
 * A one-second warm-up is not counted. Every answer is checked: a body of "/" must be rs1, rs2 or
 * rs3 (counted per server), a download must be exactly 1 MiB of the right bytes; anything else
 * counts as an error. Prints one line:
 *   ok=N err=N rs1=N rs2=N rs3=N bytes=N seconds=S
 * Only lab addresses (198.18.0.0/15); sockets time out after 3 s; the run ends after SECONDS
 * (at most 60) plus at most the timeout.
 */
public final class HttpBench {
    static final int TIMEOUT_MS = 3000;
    static final int MIB = 1 << 20;
    static final byte[] EXPECTED = expectedMib();

    static final AtomicLong ok = new AtomicLong();
    static final AtomicLong err = new AtomicLong();
    static final AtomicLong bytes = new AtomicLong();
    static final AtomicLongArray perServer = new AtomicLongArray(3);
    static volatile boolean counting;
    static volatile String firstError;

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        String host = args[1];
        if (!host.startsWith("198.18.") && !host.startsWith("198.19.")) {
            throw new IllegalArgumentException("only 198.18.0.0/15 lab addresses: " + host);
        }
        int port = Integer.parseInt(args[2]);
        int conns = Math.min(256, Integer.parseInt(args[3]));
        double seconds = Math.min(60, Double.parseDouble(args[4]));
        InetSocketAddress target = new InetSocketAddress(host, port);
        long start = System.nanoTime();
        long countFrom = start + 1_000_000_000L;
        long deadline = countFrom + (long) (seconds * 1e9);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < conns; i++) {
            Runnable r = switch (mode) {
                case "keepalive" -> () -> keepalive(target, deadline, false);
                case "download" -> () -> keepalive(target, deadline, true);
                case "close" -> () -> close(target, deadline);
                default -> throw new IllegalArgumentException("mode: keepalive, close or download");
            };
            Thread t = Thread.ofPlatform().daemon().start(r);
            threads.add(t);
        }
        Thread.sleep(Math.max(0, (countFrom - System.nanoTime()) / 1_000_000));
        counting = true;
        long t0 = System.nanoTime();
        Thread.sleep(Math.max(0, (deadline - System.nanoTime()) / 1_000_000));
        counting = false;
        long t1 = System.nanoTime();
        for (Thread t : threads) {
            t.join(TIMEOUT_MS + 1000);
        }
        System.out.printf("ok=%d err=%d rs1=%d rs2=%d rs3=%d bytes=%d seconds=%.3f%n", ok.get(), err.get(),
                perServer.get(0), perServer.get(1), perServer.get(2), bytes.get(), (t1 - t0) / 1e9);
        if (firstError != null) {
            System.err.println("first error: " + firstError);
        }
        System.exit(0);
    }

    static Socket open(InetSocketAddress target) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.setSoTimeout(TIMEOUT_MS);
        s.connect(target, TIMEOUT_MS);
        return s;
    }

    static void keepalive(InetSocketAddress target, long deadline, boolean download) {
        byte[] request = ((download ? "GET /big?mib=1" : "GET /") + " HTTP/1.1\r\nHost: vip\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[download ? MIB : 64];
        while (System.nanoTime() - deadline < 0) {
            try (Socket s = open(target)) {
                OutputStream out = s.getOutputStream();
                InputStream in = new BufferedInputStream(s.getInputStream(), 65536);
                while (System.nanoTime() - deadline < 0) {
                    out.write(request);
                    out.flush();
                    int len = readResponse(in, body);
                    record(body, len, download);
                }
            } catch (IOException e) {
                error(e.toString());
                sleepQuietly(10);
            }
        }
    }

    static void close(InetSocketAddress target, long deadline) {
        byte[] request = "GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[64];
        while (System.nanoTime() - deadline < 0) {
            try (Socket s = open(target)) {
                s.getOutputStream().write(request);
                InputStream in = new BufferedInputStream(s.getInputStream(), 4096);
                int len = readResponse(in, body);
                record(body, len, false);
            } catch (IOException e) {
                error(e.toString());
                sleepQuietly(10);
            }
        }
    }

    static void record(byte[] body, int len, boolean download) {
        int server = -1;
        if (download) {
            if (len == MIB && java.util.Arrays.equals(body, 0, MIB, EXPECTED, 0, MIB)) {
                server = 0;
            }
        } else {
            String text = new String(body, 0, len, StandardCharsets.US_ASCII).trim();
            server = switch (text) {
                case "rs1" -> 0;
                case "rs2" -> 1;
                case "rs3" -> 2;
                default -> -1;
            };
        }
        if (!counting) {
            return;
        }
        if (server < 0) {
            error("unexpected body (" + len + " bytes)");
            return;
        }
        ok.incrementAndGet();
        bytes.addAndGet(len);
        if (!download) {
            perServer.incrementAndGet(server);
        }
    }

    static void error(String what) {
        if (counting) {
            err.incrementAndGet();
            if (firstError == null) {
                firstError = what;
            }
        }
    }

    /** Reads status line and headers, then Content-Length bytes into body; returns the length. */
    static int readResponse(InputStream in, byte[] body) throws IOException {
        StringBuilder line = new StringBuilder();
        int contentLength = -1;
        boolean first = true;
        int status = 0;
        while (true) {
            line.setLength(0);
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new EOFException("connection closed in headers");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            if (line.isEmpty()) {
                break;
            }
            String l = line.toString();
            if (first) {
                first = false;
                String[] parts = l.split(" ");
                status = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            } else if (l.regionMatches(true, 0, "content-length:", 0, 15)) {
                contentLength = Integer.parseInt(l.substring(15).trim());
            }
        }
        if (status != 200) {
            throw new IOException("HTTP status " + status);
        }
        if (contentLength < 0 || contentLength > body.length) {
            throw new IOException("bad content length " + contentLength);
        }
        int n = 0;
        while (n < contentLength) {
            int r = in.read(body, n, contentLength - n);
            if (r < 0) {
                throw new EOFException("connection closed in body after " + n + " bytes");
            }
            n += r;
        }
        return contentLength;
    }

    static byte[] expectedMib() {
        ByteBuffer b = ByteBuffer.allocate(MIB).order(ByteOrder.LITTLE_ENDIAN);
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < MIB / 8; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b.putLong(x);
        }
        return b.array();
    }

    static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
