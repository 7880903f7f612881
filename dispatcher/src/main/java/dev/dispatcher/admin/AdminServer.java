package dev.dispatcher.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.dispatcher.config.AdminConfig;
import dev.dispatcher.config.ServerConfig;
import dev.dispatcher.control.api.ControlException;
import dev.dispatcher.control.api.ControlOperations;
import dev.dispatcher.control.api.Explanation;
import dev.dispatcher.control.api.ReloadResult;
import dev.dispatcher.control.api.ServerRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API: {@link ControlOperations} as JSON on the JDK's built-in HTTP server.
 * Read-only GETs are open; every change (POST, DELETE) must carry {@code Authorization: Bearer
 * <token>} matching the token supplier's. Errors are {@code {"error": "one line"}} with 400 (invalid
 * input, naming the field), 401 (no or wrong token, or none configured), 404 (unknown server or
 * route), 405 (wrong method), 409 (conflict), 413 (body too large) or 500 (a bug: logged with its
 * stack trace). Every change is logged with its outcome and the client's address.
 *
 * <p>Requests run on a few named threads ({@code dispatcher-admin-N}); when all are busy and the
 * queue is full, the accepting thread runs the request itself, which slows the clients down instead
 * of failing them. The server starts listening in the constructor and stops in {@link #close}.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    /** Largest request body accepted; the biggest legitimate one is well under 1 KiB. */
    static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int WORKERS = 4;
    private static final int QUEUED_REQUESTS = 64;
    /** How long {@link #close} waits for requests in progress. */
    static final long CLOSE_GRACE_MILLIS = 2_000;
    private static final List<String> OVERRIDE_STATES = List.of("up", "down", "auto");

    /** One endpoint of the API. */
    @FunctionalInterface
    private interface Endpoint {
        AdminReply handle(Call call) throws HttpProblem, ControlException;
    }

    /** A request on its way through: parsed query, raw body, where it came from. */
    private record Call(AdminRequest request, byte[] body) {
        Fields query() {
            return Fields.of(request.query());
        }

        Fields json() throws HttpProblem {
            return Fields.of(Json.readObject(body));
        }
    }

    private final ControlOperations operations;
    private final Supplier<AdminToken> token;
    private final HttpServer server;
    private final ThreadPoolExecutor workers;
    /** Path, then method, then endpoint; extra GET handlers are added while running. */
    private final Map<String, Map<String, Endpoint>> routes = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closing;

    /**
     * Binds {@code config.host():config.port()} (port 0 picks a free one, see {@link #port}) and
     * starts serving.
     *
     * @param token the token changes must present, asked for on every change so that a rotated
     *              token file is picked up; normally a {@link TokenFile} on {@code config.tokenFile()}
     * @throws IOException when the address cannot be bound (in use, not local, unresolvable); the
     *                     message names the address and the setting
     */
    public AdminServer(ControlOperations operations, AdminConfig config, Supplier<AdminToken> token) throws IOException {
        this.operations = Objects.requireNonNull(operations, "operations");
        this.token = Objects.requireNonNull(token, "token");
        String where = AdminClient.hostPort(config.host(), config.port());
        try {
            server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 0);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + where + " for the admin API (admin.listen): " + e.getMessage(), e);
        }
        AtomicInteger threads = new AtomicInteger();
        workers = new ThreadPoolExecutor(WORKERS, WORKERS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUED_REQUESTS), r -> {
                    Thread t = new Thread(r, "dispatcher-admin-" + threads.getAndIncrement());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        addBuiltInEndpoints();
        server.createContext("/", this::serve);
        server.setExecutor(workers);
        server.start();
        LOG.info("admin API listening on {}", AdminClient.hostPort(config.host(), port()));
    }

    /** With the token from {@code config.tokenFile()}. */
    public AdminServer(ControlOperations operations, AdminConfig config) throws IOException {
        this(operations, config, new TokenFile(config.tokenFile()));
    }

    /** The port listened on (the chosen one when the configuration said 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Adds a read-only endpoint, open like every GET, e.g. {@code addGetHandler("/metrics", r ->
     * AdminReply.text(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()))}.
     *
     * @throws IllegalArgumentException when the path does not start with "/" or is taken
     */
    public void addGetHandler(String path, GetHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!path.startsWith("/") || path.length() < 2 || path.endsWith("/")) {
            throw new IllegalArgumentException("path must look like /name, found \"" + path + "\"");
        }
        Map<String, Endpoint> methods = routes.computeIfAbsent(path, p -> new ConcurrentHashMap<>());
        if (methods.putIfAbsent("GET", call -> handler.handle(call.request())) != null) {
            throw new IllegalArgumentException("GET " + path + " is already served");
        }
    }

    /**
     * Lets requests in progress finish (for up to {@link #CLOSE_GRACE_MILLIS}), answers new ones
     * with 503, then stops. The wait is ours, not {@code HttpServer.stop(delay)}'s: that one also
     * waits out its whole delay for a connection a client has just closed.
     */
    @Override
    public void close() {
        closing = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MILLIS);
        while (inFlight.get() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        server.stop(0);
        workers.shutdownNow();
        LOG.info("admin API stopped");
    }

    private void route(String method, String path, Endpoint endpoint) {
        routes.computeIfAbsent(path, p -> new ConcurrentHashMap<>()).put(method, endpoint);
    }

    private void addBuiltInEndpoints() {
        route("GET", "/status", call -> {
            call.query().allowOnly(List.of());
            return AdminReply.json(200, operations.status());
        });
        route("POST", "/servers", call -> {
            Fields f = call.json();
            f.allowOnly(Fields.serverAnd("weight", "mac"));
            ServerRef ref = f.server();
            int weight = f.integer("weight", ServerConfig.MIN_WEIGHT, ServerConfig.MAX_WEIGHT);
            String mac = f.macOrNull("mac");
            operations.addServer(ref, weight, mac);
            return done(call, "added " + ref + " with weight " + weight + (mac == null ? "" : " and MAC " + mac));
        });
        route("DELETE", "/servers", call -> {
            Fields f = call.query();
            f.allowOnly(Fields.SERVER);
            ServerRef ref = f.server();
            operations.removeServer(ref);
            return done(call, "removed " + ref);
        });
        route("POST", "/servers/weight", call -> {
            Fields f = call.json();
            f.allowOnly(Fields.serverAnd("weight"));
            ServerRef ref = f.server();
            int weight = f.integer("weight", ServerConfig.MIN_WEIGHT, ServerConfig.MAX_WEIGHT);
            operations.setWeight(ref, weight);
            return done(call, "set the weight of " + ref + " to " + weight);
        });
        route("POST", "/servers/drain", call -> {
            Fields f = call.json();
            f.allowOnly(Fields.SERVER);
            ServerRef ref = f.server();
            operations.drain(ref);
            return done(call, "draining " + ref + ": no new flows, existing ones continue");
        });
        route("GET", "/servers/active", call -> {
            Fields f = call.query();
            f.allowOnly(Fields.SERVER);
            return AdminReply.json(200, Map.of("active", operations.activeConnections(f.server())));
        });
        route("POST", "/servers/override", call -> {
            Fields f = call.json();
            f.allowOnly(Fields.serverAnd("state"));
            ServerRef ref = f.server();
            String state = f.choice("state", OVERRIDE_STATES);
            operations.override(ref, state);
            return done(call, state.equals("auto") ? ref + " follows its advisor again"
                    : ref + " is marked " + state + " by the operator");
        });
        route("POST", "/reload", call -> {
            ReloadResult result = operations.reload();
            if (result.applied()) {
                LOG.info("admin: reload applied, {} change(s) (from {})", result.changes().size(), call.request().remote());
            } else {
                LOG.warn("admin: reload refused, {} error(s) (from {})", result.errors().size(), call.request().remote());
            }
            return AdminReply.json(result.applied() ? 200 : 422, result);
        });
        route("GET", "/config", call -> {
            call.query().allowOnly(List.of());
            return AdminReply.text(200, AdminReply.YAML, operations.runningConfigYaml());
        });
        route("POST", "/config/save", call -> {
            String path = operations.saveConfig();
            LOG.info("admin: saved the running configuration to {} (from {})", path, call.request().remote());
            return AdminReply.json(200, Map.of("path", path));
        });
        route("GET", "/explain", call -> {
            Fields f = call.query();
            f.allowOnly(List.of("client", "vip", "protocol"));
            Fields.Endpoint client = f.endpoint("client");
            Fields.Endpoint vip = f.endpoint("vip");
            Explanation explanation = operations.explain(client.ip(), client.port(), vip.ip(), vip.port(), f.protocol());
            return AdminReply.json(200, explanation);
        });
    }

    private static AdminReply done(Call call, String message) {
        LOG.info("admin: {} (from {})", message, call.request().remote());
        return AdminReply.json(200, Map.of("message", message));
    }

    private void serve(HttpExchange exchange) {
        inFlight.incrementAndGet();
        try (exchange) {
            AdminReply reply;
            try {
                reply = closing ? AdminReply.error(503, "the dispatcher's admin API is shutting down")
                        : dispatch(exchange);
            } catch (HttpProblem e) {
                reply = e.reply();
            } catch (ControlException e) {
                reply = AdminReply.error(status(e.kind()), Json.firstLine(e.getMessage()));
            } catch (RuntimeException e) {
                LOG.error("admin: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI().getPath(), e);
                reply = AdminReply.error(500, "internal error: " + Json.firstLine(String.valueOf(e.getMessage()))
                        + " (" + e.getClass().getSimpleName() + "; see the dispatcher's log)");
            }
            send(exchange, reply);
        } catch (IOException e) {
            LOG.debug("admin: could not answer {}: {}", exchange.getRemoteAddress(), e.toString());
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private AdminReply dispatch(HttpExchange exchange) throws IOException, HttpProblem, ControlException {
        // Read the body before anything can refuse the request: an exchange whose body was left
        // unread keeps close() waiting for it.
        byte[] body = readBody(exchange.getRequestBody());
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        URI uri = exchange.getRequestURI();
        String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        Map<String, Endpoint> methods = routes.get(path);
        if (methods == null) {
            throw new HttpProblem(404, "no such endpoint: " + path + " (see docs/ADMIN-API.md)");
        }
        Endpoint endpoint = methods.get(method);
        if (endpoint == null) {
            String allowed = String.join(", ", methods.keySet().stream().sorted().toList());
            throw new HttpProblem(405, method + " is not allowed on " + path + "; use " + allowed)
                    .withHeader("Allow", allowed);
        }
        String remote = String.valueOf(exchange.getRemoteAddress());
        boolean change = !method.equals("GET");
        if (change) {
            authorize(exchange, method, path, remote);
        }
        AdminRequest request = new AdminRequest(path, query(uri.getRawQuery()), exchange.getRequestHeaders(), remote);
        return endpoint.handle(new Call(request, body));
    }

    private void authorize(HttpExchange exchange, String method, String path, String remote) throws HttpProblem {
        AdminToken expected = token.get();
        if (!expected.usable()) {
            throw unauthorized(expected.problem());
        }
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        String problem;
        if (header == null) {
            problem = "missing Authorization: Bearer <token> header; every change needs the admin token";
        } else if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            problem = "the Authorization header must be \"Bearer <token>\"";
        } else if (!expected.matches(header.substring(7).strip())) {
            problem = "wrong admin token";
        } else {
            return;
        }
        LOG.warn("admin: refused {} {} from {}: {}", method, path, remote, problem);
        throw unauthorized(problem);
    }

    private static HttpProblem unauthorized(String message) {
        return new HttpProblem(401, message).withHeader("WWW-Authenticate", "Bearer realm=\"dispatcher\"");
    }

    private static byte[] readBody(InputStream in) throws IOException, HttpProblem {
        byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
        if (body.length > MAX_BODY_BYTES) {
            throw new HttpProblem(413, "request body larger than " + MAX_BODY_BYTES + " bytes")
                    .withHeader("Connection", "close");
        }
        return body;
    }

    private static Map<String, String> query(String raw) throws HttpProblem {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name;
            String value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw HttpProblem.badRequest("malformed query string: " + e.getMessage());
            }
            if (params.putIfAbsent(name, value) != null) {
                throw HttpProblem.badRequest(name + ": parameter given more than once");
            }
        }
        return params;
    }

    private static int status(ControlException.Kind kind) {
        return switch (kind) {
            case NOT_FOUND -> 404;
            case INVALID -> 400;
            case CONFLICT -> 409;
        };
    }

    private static void send(HttpExchange exchange, AdminReply reply) throws IOException {
        var headers = exchange.getResponseHeaders();
        headers.set("Content-Type", reply.contentType());
        headers.set("Cache-Control", "no-store");
        reply.headers().forEach(headers::set);
        byte[] body = reply.body();
        exchange.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
