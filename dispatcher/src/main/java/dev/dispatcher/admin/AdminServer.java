package dev.dispatcher.admin;

import dev.dispatcher.config.AdminConfig;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.ServerConfig;
import dev.dispatcher.control.api.ControlException;
import dev.dispatcher.control.api.ControlOperations;
import dev.dispatcher.control.api.Explanation;
import dev.dispatcher.control.api.ReloadResult;
import dev.dispatcher.control.api.ServerOverride;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.ServiceKey;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.QuietException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.VirtualThreads;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API: {@link ControlOperations} as JSON, served by an embedded Jetty. Read-only
 * GETs are open; every change (POST, DELETE) must carry {@code Authorization: Bearer <token>}
 * matching the token supplier's. Errors are {@code {"error": "one line"}} with 400 (invalid input,
 * naming the field), 401 (no or wrong token, or none configured), 404 (unknown server or route), 405
 * (wrong method), 409 (conflict), 413 (body too large), 415 (a body that is not JSON), 431 (headers
 * too large) or 500 (a bug: logged with its stack trace). Every change is logged with its outcome and
 * the client's address.
 *
 * <p>Every input is checked before anything is applied: the query parameters and the body each
 * endpoint takes and no others, a JSON body as one object with nothing after it. A refused request
 * changes nothing.
 *
 * <p>No client can hold the others up ({@link AdminLimits}): Jetty parses request headers without
 * holding a thread; each request then runs on its own virtual thread; a connection whose request
 * has not fully arrived, or whose answer has not been taken, by its deadline is closed
 * ({@link ExchangeDeadlines}); connections beyond the cap wait in the listen backlog. Each
 * connection carries one request. The server starts listening in the constructor and stops in
 * {@link #close}.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    /** Largest request body accepted; the biggest legitimate one is well under 1 KiB. */
    static final int MAX_BODY_BYTES = AdminLimits.DEFAULT.maxBodyBytes();
    /** How long {@link #close} waits for requests in progress. */
    static final long CLOSE_GRACE_MILLIS = 2_000;
    private static final List<String> OVERRIDE_STATES = Arrays.stream(ServerOverride.values())
            .map(ServerOverride::apiName).toList();
    private static final List<String> NONE = List.of();

    /** One endpoint of the API. */
    @FunctionalInterface
    private interface Endpoint {
        AdminReply handle(Call call) throws HttpProblem, ControlException;
    }

    /** What an endpoint's request carries besides its query. */
    private enum Body {
        NONE, JSON
    }

    /** An endpoint with the query parameters it takes and whether it takes a JSON body. */
    private record Route(List<String> parameters, Body body, Endpoint endpoint) {
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
    private final AdminLimits limits;
    private final Server server;
    private final ServerConnector connector;
    private final NetworkConnectionLimit connectionLimit;
    private final ExchangeDeadlines deadlines;
    /** Path, then method, then route; extra GET handlers are added while running. */
    private final Map<String, Map<String, Route>> routes = new ConcurrentHashMap<>();
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
    public AdminServer(ControlOperations operations, AdminConfig config, Supplier<AdminToken> token)
            throws IOException {
        this(operations, config, token, AdminLimits.DEFAULT);
    }

    /** With the token from {@code config.tokenFile()}. */
    public AdminServer(ControlOperations operations, AdminConfig config) throws IOException {
        this(operations, config, new TokenFile(config.tokenFile()));
    }

    AdminServer(ControlOperations operations, AdminConfig config, Supplier<AdminToken> token, AdminLimits limits)
            throws IOException {
        this.operations = Objects.requireNonNull(operations, "operations");
        this.token = Objects.requireNonNull(token, "token");
        this.limits = Objects.requireNonNull(limits, "limits");
        // Platform threads only accept and parse (both without blocking on a client); each request
        // then runs on a virtual thread of its own, so a request blocked on its client costs no
        // thread another one needs.
        QueuedThreadPool threads = new QueuedThreadPool(4, 2);
        threads.setName("dispatcher-admin");
        threads.setDaemon(true);
        threads.setReservedThreads(0);
        threads.setVirtualThreadsExecutor(VirtualThreads.getNamedVirtualThreadsExecutor("dispatcher-admin-request-"));
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("dispatcher-admin-timer", true);
        server = new Server(threads, scheduler, null);
        HttpConfiguration http = new HttpConfiguration();
        http.setRequestHeaderSize(limits.maxHeaderBytes());
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // One request per connection: the request deadline then runs from the connection's opening.
        http.setPersistentConnectionsEnabled(false);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        // The deadlines bound each exchange; the idle timeout is Jetty's own guard behind them.
        connector.setIdleTimeout(limits.answerDeadlineMillis());
        deadlines = new ExchangeDeadlines(scheduler, limits.requestDeadlineMillis(), limits.answerDeadlineMillis());
        connector.addBean(deadlines);
        server.addConnector(connector);
        connectionLimit = new NetworkConnectionLimit(limits.maxConnections(), connector);
        server.addBean(connectionLimit);
        server.setErrorHandler(new JsonErrorHandler(limits));
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                serve(request, response, callback);
                return true;
            }
        });
        addBuiltInEndpoints();
        String where = AdminClient.hostPort(config.host(), config.port());
        try {
            server.start();
        } catch (Exception e) {
            stopQuietly();
            throw new IOException("cannot listen on " + where + " for the admin API (admin.listen): " + reason(e), e);
        }
        LOG.info("admin API listening on {}", AdminClient.hostPort(config.host(), port()));
    }

    private static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null || message.isBlank() ? root.getClass().getSimpleName() : Json.firstLine(message);
    }

    /** The port listened on (the chosen one when the configuration said 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** Connections open now (at most {@link AdminLimits#maxConnections}). */
    int openConnections() {
        return connectionLimit.getNetworkConnectionCount();
    }

    /**
     * Adds a read-only endpoint that takes no query parameters, open like every GET, e.g.
     * {@code addGetHandler("/metrics", r -> AdminReply.text(200, "text/plain; version=0.0.4; charset=utf-8",
     * registry.scrape()))}.
     *
     * @throws IllegalArgumentException when the path does not start with "/" or is taken
     */
    public void addGetHandler(String path, GetHandler handler) {
        addGetHandler(path, NONE, handler);
    }

    /**
     * Adds a read-only endpoint that takes the query parameters {@code parameters} (any of them,
     * each at most once); any other is refused with 400 before the handler is called.
     *
     * @throws IllegalArgumentException when the path does not start with "/" or is taken
     */
    public void addGetHandler(String path, List<String> parameters, GetHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!path.startsWith("/") || path.length() < 2 || path.endsWith("/")) {
            throw new IllegalArgumentException("path must look like /name, found \"" + path + "\"");
        }
        Map<String, Route> methods = routes.computeIfAbsent(path, p -> new ConcurrentHashMap<>());
        Route route = new Route(List.copyOf(parameters), Body.NONE, call -> handler.handle(call.request()));
        if (methods.putIfAbsent("GET", route) != null) {
            throw new IllegalArgumentException("GET " + path + " is already served");
        }
    }

    /**
     * Lets requests in progress finish (for up to {@link #CLOSE_GRACE_MILLIS}), answers new ones
     * with 503, then stops.
     */
    @Override
    public void close() {
        closing = true;
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_GRACE_MILLIS);
        while (inFlight.get() > 0 && System.nanoTime() - end < 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        stopQuietly();
        LOG.info("admin API stopped");
    }

    private void stopQuietly() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("admin API: stopping the HTTP server failed: {}", e.toString());
        }
    }

    private void route(String method, String path, List<String> parameters, Body body, Endpoint endpoint) {
        routes.computeIfAbsent(path, p -> new ConcurrentHashMap<>()).put(method, new Route(parameters, body, endpoint));
    }

    private void addBuiltInEndpoints() {
        route("GET", "/status", NONE, Body.NONE, call -> AdminReply.json(200, operations.status()));
        route("POST", "/servers", NONE, Body.JSON, call -> {
            Fields f = call.json();
            f.allowOnly(Fields.serverAnd("weight", "mac"));
            ServerRef ref = f.server();
            int weight = f.integer("weight", ServerConfig.MIN_WEIGHT, ServerConfig.MAX_WEIGHT);
            long mac = f.macOrNone("mac");
            operations.addServer(ref, weight, mac);
            return done(call, "added " + ref + " with weight " + weight
                    + (mac == ControlOperations.NO_MAC ? "" : " and MAC " + MacAddress.format(mac)));
        });
        route("DELETE", "/servers", Fields.SERVER, Body.NONE, call -> {
            ServerRef ref = call.query().server();
            operations.removeServer(ref);
            return done(call, "removed " + ref);
        });
        route("POST", "/servers/weight", NONE, Body.JSON, call -> {
            Fields f = call.json();
            f.allowOnly(Fields.serverAnd("weight"));
            ServerRef ref = f.server();
            int weight = f.integer("weight", ServerConfig.MIN_WEIGHT, ServerConfig.MAX_WEIGHT);
            operations.setWeight(ref, weight);
            return done(call, "set the weight of " + ref + " to " + weight);
        });
        route("POST", "/servers/drain", NONE, Body.JSON, call -> {
            Fields f = call.json();
            f.allowOnly(Fields.SERVER);
            ServerRef ref = f.server();
            operations.drain(ref);
            return done(call, "draining " + ref + ": no new flows, existing ones continue");
        });
        route("GET", "/servers/active", Fields.SERVER, Body.NONE,
                call -> AdminReply.json(200, Map.of("active", operations.activeConnections(call.query().server()))));
        route("POST", "/servers/override", NONE, Body.JSON, call -> {
            Fields f = call.json();
            f.allowOnly(Fields.serverAnd("state"));
            ServerRef ref = f.server();
            ServerOverride state = ServerOverride.valueOf(f.choice("state", OVERRIDE_STATES).toUpperCase(Locale.ROOT));
            operations.override(ref, state);
            return done(call, state == ServerOverride.AUTO ? ref + " follows its advisor again"
                    : ref + " is marked " + state.apiName() + " by the operator");
        });
        route("POST", "/reload", NONE, Body.NONE, call -> {
            ReloadResult result = operations.reload();
            if (result.applied()) {
                LOG.info("admin: reload applied, {} change(s) (from {})", result.changes().size(),
                        call.request().remote());
            } else {
                LOG.warn("admin: reload refused, {} error(s) (from {})", result.errors().size(),
                        call.request().remote());
            }
            return AdminReply.json(result.applied() ? 200 : 422, result);
        });
        route("GET", "/config", NONE, Body.NONE,
                call -> AdminReply.text(200, AdminReply.YAML, operations.runningConfigYaml()));
        route("POST", "/config/save", NONE, Body.NONE, call -> {
            String path = operations.saveConfig();
            LOG.info("admin: saved the running configuration to {} (from {})", path, call.request().remote());
            return AdminReply.json(200, Map.of("path", path));
        });
        route("GET", "/ha", NONE, Body.NONE, call -> AdminReply.json(200, operations.haStatus()));
        route("POST", "/ha/takeover", NONE, Body.NONE, call -> done(call, operations.haTakeover()));
        route("POST", "/ha/role", NONE, Body.JSON, call -> {
            Fields f = call.json();
            f.allowOnly(List.of("role"));
            boolean active = f.choice("role", List.of("active", "standby")).equals("active");
            return done(call, operations.haRole(active));
        });
        route("GET", "/explain", List.of("client", "vip", "protocol"), Body.NONE, call -> {
            Fields f = call.query();
            Fields.Endpoint client = f.endpoint("client");
            Fields.Endpoint vip = f.endpoint("vip");
            Explanation explanation = operations.explain(client.ip(), client.port(),
                    new ServiceKey(vip.ip(), vip.port(), f.protocol()));
            return AdminReply.json(200, explanation);
        });
    }

    private static AdminReply done(Call call, String message) {
        LOG.info("admin: {} (from {})", message, call.request().remote());
        return AdminReply.json(200, Map.of("message", message));
    }

    private void serve(Request request, Response response, Callback callback) {
        inFlight.incrementAndGet();
        try {
            AdminReply reply;
            try {
                reply = closing ? AdminReply.error(503, "the dispatcher's admin API is shutting down")
                        : dispatch(request);
            } catch (HttpProblem e) {
                reply = e.reply();
            } catch (ControlException e) {
                reply = AdminReply.error(status(e.kind()), Json.firstLine(e.getMessage()));
            } catch (RuntimeException e) {
                LOG.error("admin: {} {} failed", request.getMethod(), request.getHttpURI().getPath(), e);
                reply = AdminReply.error(500, "internal error: " + Json.firstLine(String.valueOf(e.getMessage()))
                        + " (" + e.getClass().getSimpleName() + "; see the dispatcher's log)");
            }
            send(response, reply);
            callback.succeeded();
        } catch (IOException e) {
            // The client went away, or its deadline closed the connection: nobody to answer, and
            // nothing for Jetty to report either.
            LOG.debug("admin: could not answer {}: {}", request.getConnectionMetaData().getRemoteSocketAddress(),
                    e.toString());
            callback.failed(new QuietException.Exception(e));
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /**
     * Checks everything about the request (route, token, parameters, body) and only then, if its
     * deadline has not passed meanwhile, hands it to the endpoint.
     */
    private AdminReply dispatch(Request request) throws IOException, HttpProblem, ControlException {
        String method = request.getMethod();
        String rawPath = request.getHttpURI().getPath();
        if (rawPath != null && rawPath.indexOf(';') >= 0) {
            // Jetty would drop ";name=value" from the path: an input nobody reads.
            throw HttpProblem.badRequest("path parameters are not taken; found \"" + rawPath + "\"");
        }
        String path = Request.getPathInContext(request);
        if (path == null || path.isEmpty()) {
            path = "/";
        } else if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        Map<String, Route> methods = routes.get(path);
        if (methods == null) {
            throw new HttpProblem(404, "no such endpoint: " + path + " (see docs/ADMIN-API.md)");
        }
        Route route = methods.get(method);
        if (route == null) {
            String allowed = String.join(", ", methods.keySet().stream().sorted().toList());
            throw new HttpProblem(405, method + " is not allowed on " + path + "; use " + allowed)
                    .withHeader("Allow", allowed);
        }
        HttpFields headers = request.getHeaders();
        String remote = String.valueOf(request.getConnectionMetaData().getRemoteSocketAddress());
        if (!method.equals("GET")) {
            authorize(headers, method, path, remote);
        }
        Map<String, String> query = query(request.getHttpURI().getQuery());
        Fields.of(query).allowOnly(route.parameters());
        byte[] body = readBody(request);
        if (route.body() == Body.NONE && body.length > 0) {
            throw HttpProblem.badRequest("request body: " + method + " " + path + " takes none, found " + body.length
                    + " byte(s)");
        }
        if (route.body() == Body.JSON) {
            requireJson(headers);
        }
        if (!deadlines.arrived(request.getConnectionMetaData().getConnection())) {
            throw new IOException("the request arrived after its deadline; the connection is closed");
        }
        AdminRequest admin = new AdminRequest(path, query, headerMap(headers), remote);
        return route.endpoint().handle(new Call(admin, body));
    }

    private void authorize(HttpFields headers, String method, String path, String remote) throws HttpProblem {
        AdminToken expected = token.get();
        if (!expected.usable()) {
            throw unauthorized(expected.problem());
        }
        String header = single(headers, HttpHeader.AUTHORIZATION);
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

    /** The one value of a header, or null; 400 when it is given more than once (which one would count?). */
    private static String single(HttpFields headers, HttpHeader name) throws HttpProblem {
        List<String> values = headers.getValuesList(name);
        if (values.size() > 1) {
            throw HttpProblem.badRequest(name.asString() + ": header given more than once");
        }
        return values.isEmpty() ? null : values.getFirst();
    }

    /** {@code application/json}, with at most a UTF-8 charset: the only body the API reads. */
    private static void requireJson(HttpFields headers) throws HttpProblem {
        String value = single(headers, HttpHeader.CONTENT_TYPE);
        if (value == null) {
            throw new HttpProblem(415, "Content-Type: expected application/json, found none");
        }
        String[] parts = value.split(";");
        boolean json = parts[0].strip().equalsIgnoreCase(AdminReply.JSON);
        for (int i = 1; i < parts.length && json; i++) {
            String parameter = parts[i].strip().toLowerCase(Locale.ROOT).replace("\"", "");
            json = parameter.equals("charset=utf-8");
        }
        if (!json) {
            throw new HttpProblem(415, "Content-Type: expected application/json (UTF-8), found \"" + value + "\"");
        }
    }

    /** The whole body, refused with 413 as soon as it is known to be too large. */
    private byte[] readBody(Request request) throws IOException, HttpProblem {
        int max = limits.maxBodyBytes();
        if (request.getLength() > max) {
            throw tooLarge();
        }
        byte[] body = Content.Source.asInputStream(request).readNBytes(max + 1);
        if (body.length > max) {
            throw tooLarge();
        }
        return body;
    }

    private HttpProblem tooLarge() {
        return new HttpProblem(413, "request body larger than " + limits.maxBodyBytes() + " bytes");
    }

    private static Map<String, List<String>> headerMap(HttpFields headers) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (HttpField field : headers) {
            map.computeIfAbsent(field.getName(), n -> new ArrayList<>()).add(field.getValue());
        }
        return map;
    }

    private static Map<String, String> query(String raw) throws HttpProblem {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&", -1)) {
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

    private static void send(Response response, AdminReply reply) throws IOException {
        response.setStatus(reply.status());
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(HttpHeader.CONTENT_TYPE, reply.contentType());
        headers.put(HttpHeader.CACHE_CONTROL, "no-store");
        reply.headers().forEach(headers::put);
        byte[] body = reply.body();
        headers.put(HttpHeader.CONTENT_LENGTH, body.length);
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(true, ByteBuffer.wrap(body), written);
            written.block();
        }
    }
}
