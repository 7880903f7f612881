package dev.dispatcher.admin;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dispatcher.config.Durations;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.control.api.Explanation;
import dev.dispatcher.control.api.HaStatusView;
import dev.dispatcher.control.api.ReloadResult;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.StatusView;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The admin API's client, as the command line uses it: one method per endpoint, the bearer token
 * on every change when one was given, a timeout on connecting and on each answer, and every
 * failure as an {@link AdminClientException} with a one-line message such as {@code cannot reach
 * the dispatcher admin API at 127.0.0.1:9100: connection refused (is it running? see admin.listen)}.
 */
public final class AdminClient implements AutoCloseable {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http;
    private final URI base;
    private final String where;
    private final String token;
    private final Duration timeout;

    /**
     * @param token   sent as {@code Authorization: Bearer <token>} on changes; null to send none
     *                (read-only use)
     * @param timeout for connecting and for each answer
     */
    public AdminClient(String host, int port, String token, Duration timeout) {
        this.where = hostPort(host, port);
        this.base = URI.create("http://" + where);
        this.token = token;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    public static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** Where this client sends its requests, e.g. {@code 127.0.0.1:9100}. */
    public String address() {
        return where;
    }

    public StatusView status() throws AdminClientException {
        return read(statusJson(), StatusView.class);
    }

    /** The status exactly as the server sent it. */
    public String statusJson() throws AdminClientException {
        return expect(send(get("/status")), 200).body();
    }

    /** Adds a server; {@code mac} may be null. Returns the server's one-line account of what it did. */
    public String addServer(ServerRef server, int weight, String mac) throws AdminClientException {
        Map<String, Object> body = serverFields(server);
        body.put("weight", weight);
        if (mac != null) {
            body.put("mac", mac);
        }
        return message(send(post("/servers", body)));
    }

    public String removeServer(ServerRef server) throws AdminClientException {
        HttpRequest.Builder request = authorized(HttpRequest.newBuilder(uri("/servers", serverFields(server))))
                .DELETE();
        return message(send(request));
    }

    public String setWeight(ServerRef server, int weight) throws AdminClientException {
        Map<String, Object> body = serverFields(server);
        body.put("weight", weight);
        return message(send(post("/servers/weight", body)));
    }

    public String drain(ServerRef server) throws AdminClientException {
        return message(send(post("/servers/drain", serverFields(server))));
    }

    public long activeConnections(ServerRef server) throws AdminClientException {
        JsonNode active = tree(expect(send(HttpRequest.newBuilder(uri("/servers/active", serverFields(server))).GET()),
                200)).get("active");
        if (active == null || !active.canConvertToLong()) {
            throw new AdminClientException(200, "unexpected answer from " + where + ": no \"active\" count");
        }
        return active.longValue();
    }

    /** {@code state}: "up", "down" or "auto". */
    public String override(ServerRef server, String state) throws AdminClientException {
        Map<String, Object> body = serverFields(server);
        body.put("state", state);
        return message(send(post("/servers/override", body)));
    }

    /** The outcome, applied or not; an exception only when the reload could not be asked for. */
    public ReloadResult reload() throws AdminClientException {
        return read(expect(send(postWithoutBody("/reload")), 200, 422).body(), ReloadResult.class);
    }

    public String runningConfigYaml() throws AdminClientException {
        return expect(send(get("/config")), 200).body();
    }

    /** Returns the path written. */
    public String saveConfig() throws AdminClientException {
        JsonNode path = tree(expect(send(postWithoutBody("/config/save")), 200)).get("path");
        if (path == null || !path.isTextual()) {
            throw new AdminClientException(200, "unexpected answer from " + where + ": no \"path\"");
        }
        return path.textValue();
    }

    public Explanation explain(String clientIp, int clientPort, String vip, int vipPort, String protocol)
            throws AdminClientException {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("client", clientIp + ":" + clientPort);
        query.put("vip", vip + ":" + vipPort);
        query.put("protocol", protocol);
        return read(expect(send(HttpRequest.newBuilder(uri("/explain", query)).GET()), 200).body(), Explanation.class);
    }

    /** The high-availability status; 404 (an exception) without an ha section. */
    public HaStatusView haStatus() throws AdminClientException {
        return read(expect(send(get("/ha")), 200).body(), HaStatusView.class);
    }

    /** {@code dispatcher ha takeover}; returns the server's account, or throws with its refusal. */
    public String haTakeover() throws AdminClientException {
        return message(send(postWithoutBody("/ha/takeover")));
    }

    /** {@code role}: "active" or "standby". */
    public String haRole(String role) throws AdminClientException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("role", role);
        return message(send(post("/ha/role", body)));
    }

    /** Any GET, e.g. an endpoint added with {@link AdminServer#addGetHandler}; returns the body. */
    public String getText(String path) throws AdminClientException {
        return expect(send(get(path)), 200).body();
    }

    @Override
    public void close() {
        http.close();
    }

    private static Map<String, Object> serverFields(ServerRef server) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("vip", Ipv4.format(server.service().vip()));
        fields.put("port", server.service().port());
        fields.put("protocol", server.service().protocol().configName());
        fields.put("server", Ipv4.format(server.server()));
        return fields;
    }

    private URI uri(String path, Map<String, Object> query) {
        String encoded = query.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(String.valueOf(e.getValue()), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return base.resolve(path + (encoded.isEmpty() ? "" : "?" + encoded));
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).GET();
    }

    private HttpRequest.Builder post(String path, Map<String, Object> body) {
        return authorized(HttpRequest.newBuilder(base.resolve(path)))
                .header("Content-Type", AdminReply.JSON)
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body)));
    }

    /** For the endpoints that take no body: the server refuses one, even {@code {}}. */
    private HttpRequest.Builder postWithoutBody(String path) {
        return authorized(HttpRequest.newBuilder(base.resolve(path))).POST(HttpRequest.BodyPublishers.noBody());
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder request) {
        return token == null ? request : request.header("Authorization", "Bearer " + token);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws AdminClientException {
        try {
            return http.send(request.timeout(timeout).header("Accept", AdminReply.JSON + ", */*").build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw unreachable("no connection within " + Durations.format(timeout));
        } catch (HttpTimeoutException e) {
            throw new AdminClientException(0, "the dispatcher admin API at " + where + " did not answer within "
                    + Durations.format(timeout));
        } catch (IOException e) {
            throw unreachable(reason(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminClientException(0, "interrupted while waiting for the dispatcher admin API at " + where);
        }
    }

    private AdminClientException unreachable(String why) {
        return new AdminClientException(0, "cannot reach the dispatcher admin API at " + where + ": " + why
                + " (is it running? see admin.listen)");
    }

    private static String reason(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
                return "unknown host";
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                String message = Json.firstLine(t.getMessage());
                return Character.toLowerCase(message.charAt(0)) + message.substring(1);
            }
        }
        return e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName();
    }

    private HttpResponse<String> expect(HttpResponse<String> response, int... statuses) throws AdminClientException {
        for (int status : statuses) {
            if (response.statusCode() == status) {
                return response;
            }
        }
        throw new AdminClientException(response.statusCode(), errorOf(response));
    }

    /** The server's {@code error}, or a line that says what came back instead. */
    private String errorOf(HttpResponse<String> response) {
        try {
            JsonNode error = Json.MAPPER.readTree(response.body()).get("error");
            if (error != null && error.isTextual()) {
                return error.textValue();
            }
        } catch (JacksonException e) {
            // not our JSON: fall through
        }
        String body = Json.firstLine(response.body());
        return "HTTP " + response.statusCode() + " from " + where + (body.isEmpty() ? "" : ": " + body);
    }

    private String message(HttpResponse<String> response) throws AdminClientException {
        JsonNode message = tree(expect(response, 200)).get("message");
        return message != null && message.isTextual() ? message.textValue() : "done";
    }

    private JsonNode tree(HttpResponse<String> response) throws AdminClientException {
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (JacksonException e) {
            throw new AdminClientException(response.statusCode(), "unexpected answer from " + where + ": not JSON");
        }
    }

    private <T> T read(String json, Class<T> type) throws AdminClientException {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (JacksonException e) {
            throw new AdminClientException(200,
                    "unexpected answer from " + where + ": " + Json.firstLine(e.getOriginalMessage()));
        }
    }
}
