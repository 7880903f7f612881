import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A steady stream of new connections to the lab's VIP, for failover tests and demos: RATE
 * connections a second, each one {@code GET /} with {@code Connection: close}, each on its own
 * (virtual) thread so a slow one never delays the next. Run in the client namespace.
 *
 * <pre>
 *   java ConnRate.java HOST PORT RATE SECONDS OUTFILE [STOPFILE]
 * </pre>
 *
 * Writes one line per connection to OUTFILE: its start and end (System.nanoTime, one monotonic
 * clock for every namespace of the host, so a test can compare them with its own), and whether it
 * got a real server's name back ({@code ok}) or not ({@code fail}). Prints a summary. Only lab
 * addresses (198.18.0.0/15); connect and read time out after 2 s; the run stops after SECONDS (at
 * most 120) or when STOPFILE exists, and waits at most 3 s for the last connections.
 */
public final class ConnRate {
    private static final int TIMEOUT_MS = 2000;

    record Attempt(long startNanos, long endNanos, boolean ok) {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        if (!host.startsWith("198.18.") && !host.startsWith("198.19.")) {
            throw new IllegalArgumentException("only 198.18.0.0/15 lab addresses: " + host);
        }
        int port = Integer.parseInt(args[1]);
        double rate = Double.parseDouble(args[2]);
        double seconds = Math.min(120, Double.parseDouble(args[3]));
        Path out = Path.of(args[4]);
        Path stop = args.length > 5 ? Path.of(args[5]) : null;
        if (rate <= 0 || rate > 2000) {
            throw new IllegalArgumentException("RATE must be 1..2000 connections a second: " + args[2]);
        }
        ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
        long period = (long) (1e9 / rate);
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            long next = start;
            while (next - end < 0 && (stop == null || !Files.exists(stop))) {
                LockSupport.parkNanos(next - System.nanoTime());
                pool.execute(() -> attempts.add(attempt(host, port)));
                next += period;
            }
            pool.shutdown();
            pool.awaitTermination(3, TimeUnit.SECONDS);
        }
        long ok = 0;
        long failed = 0;
        try (PrintStream file = new PrintStream(Files.newOutputStream(out), false, StandardCharsets.US_ASCII)) {
            for (Attempt a : attempts) {
                file.println(a.startNanos() + " " + a.endNanos() + " " + (a.ok() ? "ok" : "fail"));
                if (a.ok()) {
                    ok++;
                } else {
                    failed++;
                }
            }
        }
        System.out.printf("connections=%d ok=%d fail=%d seconds=%.1f%n", ok + failed, ok, failed,
                (System.nanoTime() - start) / 1e9);
    }

    private static Attempt attempt(String host, int port) {
        long started = System.nanoTime();
        boolean ok = false;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            socket.setSoTimeout(TIMEOUT_MS);
            OutputStream o = socket.getOutputStream();
            o.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            o.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readNBytes(4096), StandardCharsets.US_ASCII);
            ok = response.startsWith("HTTP/1.1 200") && response.matches("(?s).*\\r\\n\\r\\nrs[123]\\s*$");
        } catch (IOException e) {
            ok = false;
        }
        return new Attempt(started, System.nanoTime(), ok);
    }
}
