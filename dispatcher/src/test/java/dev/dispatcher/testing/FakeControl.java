package dev.dispatcher.testing;

import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.control.api.ControlException;
import dev.dispatcher.control.api.ControlException.Kind;
import dev.dispatcher.control.api.ControlOperations;
import dev.dispatcher.control.api.Explanation;
import dev.dispatcher.control.api.HaStatusView;
import dev.dispatcher.control.api.ReloadResult;
import dev.dispatcher.control.api.ServerOverride;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.ServiceKey;
import dev.dispatcher.control.api.StatusView;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ControlOperations} in memory, for testing the admin API and the CLI without a data plane.
 * It keeps services and servers, applies changes the way the contract describes, records every
 * call in {@link #calls} and answers {@link #activeConnections} from a script.
 */
public final class FakeControl implements ControlOperations {
    /** Every call, e.g. {@code setWeight 198.18.0.11 in 198.18.0.100:80/tcp 7}. */
    public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    public volatile ReloadResult nextReload = new ReloadResult(true, 1_764_000_000_000L, List.of(),
            List.of("added server 198.18.0.14 to 198.18.0.100:80/tcp"), List.of());
    public volatile String yaml = "interface: eth1\nclusters: []\n";
    public volatile String savePath = "/etc/dispatcher/dispatcher.yaml";
    public volatile ControlException saveFailure;
    /** Thrown by {@link #status} when set: a bug in the dispatcher, as the API sees it. */
    public volatile RuntimeException statusFailure;

    private final Map<String, Service> services = new LinkedHashMap<>();
    private ReloadResult lastReload;

    private static final class Service {
        final String vip;
        final int port;
        final String protocol;
        final String advisor;
        final String onServerDown;
        final Map<String, Server> servers = new LinkedHashMap<>();

        Service(String vip, int port, String protocol, String advisor, String onServerDown) {
            this.vip = vip;
            this.port = port;
            this.protocol = protocol;
            this.advisor = advisor;
            this.onServerDown = onServerDown;
        }
    }

    private static final class Server {
        final String address;
        int weight;
        int configuredWeight;
        boolean draining;
        String health = "up";
        String override = "none";
        String mac;
        long total;
        final Deque<Long> active = new ArrayDeque<>(List.of(0L));

        Server(String address, int weight, String mac) {
            this.address = address;
            this.weight = weight;
            this.configuredWeight = weight;
            this.mac = mac;
        }

        boolean up() {
            return switch (override) {
                case "up" -> true;
                case "down" -> false;
                default -> !health.equals("down");
            } && !draining && weight > 0;
        }

        String state() {
            return draining ? "drain" : up() ? "up" : "down";
        }

        String reason() {
            if (draining) {
                return "operator: drain";
            }
            if (!override.equals("none")) {
                return "operator: " + override;
            }
            return health.equals("down") ? "advisor: HTTP 503" : weight == 0 ? "weight 0" : "";
        }
    }

    private static String key(String vip, int port, String protocol) {
        return vip + ":" + port + "/" + protocol;
    }

    /** Adds a service with an HTTP advisor and the reset policy. */
    public synchronized FakeControl service(String vip, int port, String protocol) {
        services.putIfAbsent(key(vip, port, protocol), new Service(vip, port, protocol, "http", "reset"));
        return this;
    }

    public synchronized FakeControl server(String vip, int port, String protocol, String address, int weight,
            String mac) {
        service(vip, port, protocol);
        services.get(key(vip, port, protocol)).servers.put(address, new Server(address, weight, mac));
        return this;
    }

    /** What the advisor says of a server: "up" or "down". */
    public synchronized FakeControl health(ServerRef ref, String health) {
        serverOrNull(ref).health = health;
        return this;
    }

    /** The answers of successive {@link #activeConnections} calls; the last one repeats. */
    public synchronized FakeControl active(ServerRef ref, Long... counts) {
        Server s = serverOrNull(ref);
        s.active.clear();
        s.active.addAll(List.of(counts));
        return this;
    }

    public synchronized int weight(ServerRef ref) {
        return serverOrNull(ref).weight;
    }

    public synchronized boolean has(ServerRef ref) {
        return serverOrNull(ref) != null;
    }

    private static String vip(ServerRef ref) {
        return Ipv4.format(ref.service().vip());
    }

    private static String address(ServerRef ref) {
        return Ipv4.format(ref.server());
    }

    private Server serverOrNull(ServerRef ref) {
        Service service = services.get(ref.service().toString());
        return service == null ? null : service.servers.get(address(ref));
    }

    private Service service(ServerRef ref) throws ControlException {
        Service service = services.get(ref.service().toString());
        if (service == null) {
            throw new ControlException(Kind.NOT_FOUND, "no service " + ref.service());
        }
        return service;
    }

    private Server server(ServerRef ref) throws ControlException {
        Server server = service(ref).servers.get(address(ref));
        if (server == null) {
            throw new ControlException(Kind.NOT_FOUND, "no server " + ref);
        }
        return server;
    }

    @Override
    public synchronized StatusView status() {
        calls.add("status");
        if (statusFailure != null) {
            throw statusFailure;
        }
        Map<String, List<StatusView.PortView>> byVip = new LinkedHashMap<>();
        for (Service s : services.values()) {
            List<StatusView.ServerView> servers = new ArrayList<>();
            for (Server r : s.servers.values()) {
                servers.add(new StatusView.ServerView(r.address, r.state(), r.reason(), r.draining ? 0 : r.weight,
                        r.configuredWeight, r.health, r.override, r.mac, r.active.peekFirst(), r.total, 0, 0));
            }
            boolean allDown = s.servers.values().stream().noneMatch(Server::up);
            byVip.computeIfAbsent(s.vip, v -> new ArrayList<>())
                    .add(new StatusView.PortView(s.port, s.protocol, s.onServerDown, s.advisor, allDown, servers));
        }
        List<StatusView.ClusterView> clusters = new ArrayList<>();
        byVip.forEach((vip, ports) -> clusters.add(new StatusView.ClusterView(vip, ports)));
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("forwarded", 1234L);
        counters.put("no_server", 5L);
        return new StatusView("eth1", "02:00:00:00:00:02", "ring", "/etc/dispatcher/dispatcher.yaml", lastReload,
                counters, clusters);
    }

    @Override
    public synchronized void addServer(ServerRef ref, int weight, long macValue) throws ControlException {
        String mac = macValue == NO_MAC ? null : MacAddress.format(macValue);
        calls.add("addServer " + ref + " " + weight + " " + mac);
        Service service = service(ref);
        if (service.servers.containsKey(address(ref))) {
            throw new ControlException(Kind.CONFLICT, address(ref) + " is already a server of " + ref.service());
        }
        if (address(ref).equals(vip(ref))) {
            throw new ControlException(Kind.INVALID, "server: " + address(ref) + " is the VIP itself");
        }
        service.servers.put(address(ref), new Server(address(ref), weight, mac));
    }

    @Override
    public synchronized void removeServer(ServerRef ref) throws ControlException {
        calls.add("removeServer " + ref);
        server(ref);
        service(ref).servers.remove(address(ref));
    }

    @Override
    public synchronized void setWeight(ServerRef ref, int weight) throws ControlException {
        calls.add("setWeight " + ref + " " + weight);
        Server s = server(ref);
        s.weight = weight;
        s.configuredWeight = weight;
        s.draining = false;
    }

    @Override
    public synchronized void drain(ServerRef ref) throws ControlException {
        calls.add("drain " + ref);
        server(ref).draining = true;
    }

    @Override
    public synchronized long activeConnections(ServerRef ref) throws ControlException {
        calls.add("activeConnections " + ref);
        Deque<Long> script = server(ref).active;
        return script.size() > 1 ? script.removeFirst() : script.getFirst();
    }

    @Override
    public synchronized void override(ServerRef ref, ServerOverride override) throws ControlException {
        String state = override.apiName();
        calls.add("override " + ref + " " + state);
        server(ref).override = state.equals("auto") ? "none" : state;
    }

    @Override
    public synchronized ReloadResult reload() {
        calls.add("reload");
        lastReload = nextReload;
        return nextReload;
    }

    @Override
    public String runningConfigYaml() {
        calls.add("runningConfigYaml");
        return yaml;
    }

    @Override
    public String saveConfig() throws ControlException {
        calls.add("saveConfig");
        if (saveFailure != null) {
            throw saveFailure;
        }
        return savePath;
    }

    @Override
    public synchronized Explanation explain(int client, int clientPort, ServiceKey key) throws ControlException {
        String clientIp = Ipv4.format(client);
        calls.add("explain " + clientIp + ":" + clientPort + " " + key);
        Service service = services.get(key.toString());
        if (service == null) {
            return new Explanation(null, "no service", null, null, List.of());
        }
        List<String> candidates = new ArrayList<>();
        String chosen = null;
        for (Server s : service.servers.values()) {
            candidates.add(s.address + " weight " + s.weight + " (" + s.state() + ")");
            if (chosen == null && s.up()) {
                chosen = s.address;
            }
        }
        return new Explanation(key.toString(), chosen == null ? "no eligible server" : "new flow (scheduler)",
                chosen, null, candidates);
    }

    /** What {@link #haStatus} answers; null: no ha section (NOT_FOUND). */
    public volatile HaStatusView ha;
    /** Set: takeover and role are refused with this reason. */
    public volatile String haRefusal;

    @Override
    public HaStatusView haStatus() throws ControlException {
        calls.add("haStatus");
        if (ha == null) {
            throw new ControlException(Kind.NOT_FOUND, "no high availability: the configuration has no ha section");
        }
        return ha;
    }

    @Override
    public String haTakeover() throws ControlException {
        calls.add("haTakeover");
        if (haRefusal != null) {
            throw new ControlException(Kind.CONFLICT, "takeover refused: " + haRefusal);
        }
        return "took over: this node serves every cluster";
    }

    @Override
    public String haRole(boolean active) throws ControlException {
        calls.add("haRole " + (active ? "active" : "standby"));
        if (haRefusal != null) {
            throw new ControlException(Kind.CONFLICT, "role not set: " + haRefusal);
        }
        return active ? "this node is active" : "this node is standby";
    }
}
