/*
 * HTTP server for a real server in the network lab (deploy/lab/lab.sh starts one per real server).
 *
 * Single-file program, run from source:
 *   java -Xmx64m deploy/lab/LabServer.java --name rs1 --port 80 [--bind 0.0.0.0] [--threads 8]
 *
 * Endpoints (GET only; anything else is 404/405):
 *   /                  "<name>\n", text/plain. The name tells a client which real server answered.
 *   /big?mib=N         N MiB (1..1024) of deterministic bytes, application/octet-stream, fixed length.
 *   /big?mib=N&kibps=R the same, paced by the server to R KiB/s (1..1048576): a download that lasts
 *                      (curl's --limit-rate is not kept when curl writes to a pipe or to a fast disk).
 *   /big.sha256?mib=N  "<hex SHA-256 of /big?mib=N>\n", so a client can check a download.
 *
 * The /big body is a xorshift64 stream (Marsaglia, shifts 13/7/17) with the fixed seed
 * 0x9E3779B97F4A7C15; each step's 64-bit state is written little-endian:
 *   x = 0x9E3779B97F4A7C15
 *   repeat N * 131072 times: x ^= x << 13; x ^= x >>> 7; x ^= x << 17; emit x as 8 bytes LE
 * Every real server sends the same bytes, so the checksum does not depend on which one answered.
 *
 * "Connection: close" from the client is honoured: the JDK server closes after the response, and the
 * response carries "Connection: close" too, so curl does not try to reuse the connection for its next
 * URL. HTTP/1.1 keep-alive is used otherwise.
 *
 * One access-log line per request goes to stdout, with the local address: a request that came
 * through the dispatcher shows the VIP as local address and the client (not the dispatcher) as
 * remote address, which is what direct server return looks like from the real server.
 */

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

public final class LabServer {
    static final long SEED = 0x9E3779B97F4A7C15L;
    static final int MIB_BYTES = 1 << 20;
    static final int MAX_MIB = 1024;
    /** Write chunk; a multiple of 8 that divides 1 MiB, small enough for -Xmx64m with many threads. */
    static final int CHUNK_BYTES = 64 * 1024;

    private final String name;
    private final PrintStream log;
    private final Map<Integer, String> sha256ByMib = new ConcurrentHashMap<>();

    private LabServer(String name, PrintStream log) {
        this.name = name;
        this.log = log;
    }

    public static void main(String[] args) throws IOException {
        String name = null;
        String bind = "0.0.0.0";
        int port = 80;
        int threads = 8;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--name" -> name = require(args[i], value);
                case "--bind" -> bind = require(args[i], value);
                case "--port" -> port = Integer.parseInt(require(args[i], value));
                case "--threads" -> threads = Integer.parseInt(require(args[i], value));
                default -> usage("unknown argument: " + args[i]);
            }
            i++;
        }
        if (name == null || name.isBlank()) {
            usage("--name is required");
        }
        if (port < 1 || port > 65535 || threads < 1 || threads > 64) {
            usage("--port must be 1..65535 and --threads 1..64");
        }

        PrintStream log = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        String serverName = name;
        LabServer lab = new LabServer(serverName, log);
        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 128);
        ExecutorService pool = Executors.newFixedThreadPool(threads, namedDaemons("labserver-http-"));
        server.setExecutor(pool);
        server.createContext("/", lab::handle);
        server.start();
        // No server.stop() on SIGTERM: it waits up to a second for its selector; the process exit
        // closes the sockets anyway.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> log.println(serverName + " stopping"),
                "labserver-shutdown"));
        log.printf("%s listening on %s:%d (pid %d, %d threads)%n",
                serverName, bind, port, ProcessHandle.current().pid(), threads);
    }

    private void handle(HttpExchange exchange) throws IOException {
        // Addresses are read before the exchange is closed (afterwards the local one reads 0.0.0.0).
        String local = address(exchange.getLocalAddress());
        String remote = address(exchange.getRemoteAddress());
        int status;
        try (exchange) {
            status = respond(exchange);
        }
        log.printf("%s %s %s local=%s remote=%s status=%d%n", name, exchange.getRequestMethod(),
                exchange.getRequestURI(), local, remote, status);
    }

    private int respond(HttpExchange exchange) throws IOException {
        String connection = exchange.getRequestHeaders().getFirst("Connection");
        if (connection != null && connection.equalsIgnoreCase("close")) {
            // The JDK server closes after this exchange but does not say so; without the header
            // curl would try to reuse the dead connection for its next URL and retry.
            exchange.getResponseHeaders().set("Connection", "close");
        }
        if (!"GET".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "GET");
            return text(exchange, 405, "method not allowed\n");
        }
        URI uri = exchange.getRequestURI();
        return switch (uri.getPath()) {
            case "/" -> text(exchange, 200, name + "\n");
            case "/big" -> {
                int mib = mib(uri.getRawQuery());
                int kibps = number(uri.getRawQuery(), "kibps", 1, MAX_KIBPS);
                if (mib < 0) {
                    yield text(exchange, 400, "mib must be 1.." + MAX_MIB + "\n");
                }
                if (kibps == BAD) {
                    yield text(exchange, 400, "kibps must be 1.." + MAX_KIBPS + "\n");
                }
                yield big(exchange, mib, kibps);
            }
            case "/big.sha256" -> {
                int mib = mib(uri.getRawQuery());
                yield mib < 0
                        ? text(exchange, 400, "mib must be 1.." + MAX_MIB + "\n")
                        : text(exchange, 200, sha256ByMib.computeIfAbsent(mib, LabServer::sha256Hex) + "\n");
            }
            default -> text(exchange, 404, "not found\n");
        };
    }

    private static int text(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
        return status;
    }

    /** Sends the body, each chunk no earlier than the pace allows ({@code kibps} -1: unpaced). */
    private int big(HttpExchange exchange, int mib, int kibps) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, (long) mib * MIB_BYTES);
        Xorshift64Stream stream = new Xorshift64Stream();
        byte[] chunk = new byte[CHUNK_BYTES];
        long chunks = (long) mib * MIB_BYTES / CHUNK_BYTES;
        try (OutputStream out = exchange.getResponseBody()) {
            long started = System.nanoTime();
            for (long i = 0; i < chunks; i++) {
                if (kibps > 0) {
                    long due = started + i * CHUNK_BYTES * 1_000_000_000L / (kibps * 1024L);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
                stream.fill(chunk);
                out.write(chunk);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client went away mid-body (curl --max-time, Ctrl-C): not an error of the server.
            log.printf("%s /big?mib=%d aborted: %s%n", name, mib, e.getMessage());
        }
        return 200;
    }

    /** Hex SHA-256 of the /big body for {@code mib} MiB, computed from the same generator. */
    static String sha256Hex(int mib) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Xorshift64Stream stream = new Xorshift64Stream();
        byte[] chunk = new byte[CHUNK_BYTES];
        long chunks = (long) mib * MIB_BYTES / CHUNK_BYTES;
        for (long i = 0; i < chunks; i++) {
            stream.fill(chunk);
            digest.update(chunk);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static final int MAX_KIBPS = 1 << 20;
    /** {@link #number} of a parameter that is present but not a number in range. */
    static final int BAD = -2;

    /** Parameter {@code name} from a raw query: -1 when absent, {@link #BAD} when malformed or out of range. */
    static int number(String rawQuery, String name, int min, int max) {
        if (rawQuery == null) {
            return -1;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.startsWith(name + "=")) {
                try {
                    int value = Integer.parseInt(pair.substring(name.length() + 1));
                    return value >= min && value <= max ? value : BAD;
                } catch (NumberFormatException e) {
                    return BAD;
                }
            }
        }
        return -1;
    }

    /** Parses {@code mib=N} from a raw query; -1 when absent, malformed or out of range. */
    static int mib(String rawQuery) {
        if (rawQuery == null) {
            return -1;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.startsWith("mib=")) {
                try {
                    int mib = Integer.parseInt(pair.substring(4));
                    return mib >= 1 && mib <= MAX_MIB ? mib : -1;
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** xorshift64 (13, 7, 17) from the fixed seed; writes each state little-endian. */
    static final class Xorshift64Stream {
        private long x = SEED;

        /** Fills {@code chunk} (length a multiple of 8) with the next bytes of the stream. */
        void fill(byte[] chunk) {
            ByteBuffer out = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN);
            long s = x;
            while (out.hasRemaining()) {
                s ^= s << 13;
                s ^= s >>> 7;
                s ^= s << 17;
                out.putLong(s);
            }
            x = s;
        }
    }

    private static String address(InetSocketAddress a) {
        return a == null ? "-" : a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    private static ThreadFactory namedDaemons(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }

    private static String require(String flag, String value) {
        if (value == null) {
            usage(flag + " needs a value");
        }
        return value;
    }

    private static void usage(String problem) {
        System.err.println("error: " + problem);
        System.err.println("usage: java LabServer.java --name NAME [--port 80] [--bind 0.0.0.0] [--threads 8]");
        System.exit(2);
    }
}
