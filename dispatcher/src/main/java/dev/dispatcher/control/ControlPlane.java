package dev.dispatcher.control;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.ConfigException;
import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.PortConfig;
import dev.dispatcher.config.Protocol;
import dev.dispatcher.config.ServerConfig;
import dev.dispatcher.config.ServerDownPolicy;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.control.api.ControlException;
import dev.dispatcher.control.api.ControlOperations;
import dev.dispatcher.control.api.Explanation;
import dev.dispatcher.control.api.ReloadResult;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.StatusView;
import dev.dispatcher.dataplane.core.FlowKey;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running dispatcher's control state and every change to it. The state is the configuration
 * (with live changes), the operators' overrides and drains, the advisors' verdicts and the servers
 * removed while they still carry flows. Every change is validated first; then a new immutable
 * {@link ForwardingTable} is compiled from the whole state and swapped in atomically, and the
 * workers adopt it at the top of their next batch. A refused change touches nothing.
 *
 * <p>One lock makes "check against the state, compile, publish" indivisible: this is the control
 * plane, changes are rare. Nothing slow or unbounded runs under it: a reload reads, parses and
 * checks the file against the host before it takes the lock, and saving writes the file outside
 * it, so a hostile or huge file can never stall status, metrics or other changes.
 */
public final class ControlPlane implements ControlOperations {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

    /** Operator's manual override of a server's state. */
    enum ManualState { NONE, UP, DOWN }

    /** What the operator did to one server of one service, beyond the configuration. */
    private static final class OperatorState {
        ManualState override = ManualState.NONE;
        boolean draining;
    }

    /** An advisor's latest verdict on one server of one service. */
    record Health(boolean up, String reason) {
    }

    /** Reads and validates a configuration file: {@link ConfigLoader#load} but in tests. */
    @FunctionalInterface
    interface Loader {
        DispatcherConfig load(Path file) throws ConfigException;
    }

    private final AtomicReference<ForwardingTable> tables;
    private final Loader loader;
    /** Orders saves among themselves (each writes the state it saw last), without the main lock. */
    private final Object saving = new Object();
    /** Server indexes and pair ids, derived from content: the same for the same configuration. */
    private final ContentIds<Integer> registry = new ContentIds<>(ForwardingTable.MAX_SERVERS, Fingerprints::server);
    /** Ids of (service, server) pairs, stable like server indexes: flows and counters use them. */
    private final ContentIds<PairKey> pairs = new ContentIds<>(ForwardingTable.MAX_PAIRS,
            p -> Fingerprints.pair(p.service(), p.server()));

    /** A real server within a service. */
    record PairKey(ServiceKey service, int server) {
        static final Comparator<PairKey> ORDER = Comparator.comparingInt((PairKey p) -> p.service().vip())
                .thenComparingInt(p -> p.service().port()).thenComparing(p -> p.service().protocol())
                .thenComparingInt(PairKey::server);
    }
    private final Map<PairKey, OperatorState> operator = new HashMap<>();
    private final Map<PairKey, Health> health = new HashMap<>();
    /** Servers removed from a service whose port keeps flows: they stay (weight 0) until idle. */
    private final Map<ServiceKey, Set<Integer>> lingering = new HashMap<>();
    private final long ownMac;
    private final int ownIp;
    private final int mtu;
    private final String interfaceName;
    private final List<Consumer<DispatcherConfig>> configListeners = new ArrayList<>();
    private DispatcherConfig config;
    private DataPlaneView dataPlane;
    private String mode = "";
    private ReloadResult lastReload;
    private long reloadSuccesses;
    private long reloadFailures;
    private long lastSuccessEpochMs = System.currentTimeMillis();
    private boolean lastReloadOk = true;
    private long version;

    public ControlPlane(DispatcherConfig config, String interfaceName, long ownMac, int ownIp, int mtu) {
        this(config, interfaceName, ownMac, ownIp, mtu, ConfigLoader::load);
    }

    ControlPlane(DispatcherConfig config, String interfaceName, long ownMac, int ownIp, int mtu, Loader loader) {
        this.loader = loader;
        this.config = config;
        this.interfaceName = interfaceName;
        this.ownMac = ownMac;
        this.ownIp = ownIp;
        this.mtu = mtu;
        this.tables = new AtomicReference<>();
        publish();
    }

    /** The reference the workers read at the top of each batch. */
    public AtomicReference<ForwardingTable> tables() {
        return tables;
    }

    public synchronized void attach(DataPlaneView view, String modeName) {
        this.dataPlane = view;
        this.mode = modeName;
    }

    /** Called (under the lock) after every change of the configuration, e.g. to re-plan advisors. */
    public synchronized void onConfigChange(Consumer<DispatcherConfig> listener) {
        configListeners.add(listener);
    }

    public synchronized DispatcherConfig config() {
        return config;
    }

    // ---------------------------------------------------------------- compile and publish

    private static PairKey key(ServiceKey service, int server) {
        return new PairKey(service, server);
    }

    /** The pair id of a server within a service; -1 when it has none (not in the state). */
    int pair(ServiceKey service, int server) {
        return pairs.idOf(new PairKey(service, server));
    }

    /** Every server and pair of {@code state} with its lingering ones. */
    private static List<PairKey> pairsOf(DispatcherConfig state, Map<ServiceKey, Set<Integer>> lingering) {
        List<PairKey> all = new ArrayList<>();
        for (ClusterConfig cluster : state.clusters()) {
            for (PortConfig port : cluster.ports()) {
                ServiceKey service = new ServiceKey(cluster.address(), port.port(), port.protocol());
                port.servers().forEach(server -> all.add(new PairKey(service, server.address())));
                lingering.getOrDefault(service, Set.of()).forEach(address -> all.add(new PairKey(service, address)));
            }
        }
        return all;
    }

    /**
     * Why ids cannot be given to everything {@code next} names, or null when they can: checked
     * before a change is applied, so a change never fails half-way at the bound.
     */
    private String idsMissingFor(DispatcherConfig next) {
        List<PairKey> all = pairsOf(next, lingering);
        long newPairs = all.stream().distinct().filter(p -> pairs.idOf(p) < 0).count();
        long newServers = all.stream().map(PairKey::server).distinct().filter(a -> registry.idOf(a) < 0).count();
        if (!registry.hasRoomFor((int) newServers)) {
            return "too many real servers (at most " + ForwardingTable.MAX_SERVERS + " per process)";
        }
        if (!pairs.hasRoomFor((int) newPairs)) {
            return "too many (service, server) pairs (at most " + ForwardingTable.MAX_PAIRS + " per process)";
        }
        return null;
    }

    /** Gives ids to the servers and pairs of the state that have none, in content order. */
    private void assignIds() {
        List<PairKey> all = pairsOf(config, lingering);
        registry.assign(all.stream().map(PairKey::server).toList(), Comparator.naturalOrder());
        pairs.assign(all, PairKey.ORDER);
    }

    private OperatorState operatorState(ServiceKey service, int server) {
        return operator.getOrDefault(key(service, server), new OperatorState());
    }

    /** Weight in use and whether existing flows stay, with the reason when the weight is forced to 0. */
    private record Effective(int weight, boolean keepFlows, String state, String reason) {
    }

    private Effective effective(ServiceKey service, PortConfig port, ServerConfig server) {
        OperatorState op = operatorState(service, server.address());
        boolean keepWhenDown = port.onServerDown() == ServerDownPolicy.KEEP;
        if (op.override == ManualState.DOWN) {
            return new Effective(0, keepWhenDown, "down", "operator: server down");
        }
        Health h = port.advisor().isPresent() ? health.get(key(service, server.address())) : null;
        if (op.override != ManualState.UP && h != null && !h.up()) {
            return new Effective(0, keepWhenDown, "down", "advisor: " + h.reason());
        }
        if (op.draining) {
            return new Effective(0, true, "drain", "operator: draining");
        }
        return new Effective(server.weight(), true, "up", op.override == ManualState.UP ? "operator: forced up" : "");
    }

    private ForwardingTable compile() {
        ForwardingTable.Builder b = new ForwardingTable.Builder().ownMac(ownMac).ownIp(ownIp).mtu(mtu);
        for (ClusterConfig cluster : config.clusters()) {
            b.vip(cluster.address());
            for (PortConfig port : cluster.ports()) {
                ServiceKey service = new ServiceKey(cluster.address(), port.port(), port.protocol());
                // A server removed and then added again is a member, not a lingering one.
                Set<Integer> gone = new LinkedHashSet<>(lingering.getOrDefault(service, Set.of()));
                port.servers().forEach(server -> gone.remove(server.address()));
                int n = port.servers().size() + gone.size();
                int[] servers = new int[n];
                int[] pairIds = new int[n];
                int[] weights = new int[n];
                boolean[] keep = new boolean[n];
                int i = 0;
                for (ServerConfig server : port.servers()) {
                    Effective e = effective(service, port, server);
                    servers[i] = b.server(registry.idOf(server.address()), server.address(),
                            server.hasStaticMac() ? server.mac() : 0);
                    pairIds[i] = pair(service, server.address());
                    weights[i] = e.weight();
                    keep[i] = e.keepFlows();
                    i++;
                }
                for (int address : gone) {
                    servers[i] = b.server(registry.idOf(address), address, staticMacOf(address) == ServerConfig.NO_MAC
                            ? 0 : staticMacOf(address));
                    pairIds[i] = pair(service, address);
                    weights[i] = 0;
                    keep[i] = true;
                    i++;
                }
                b.service(cluster.address(), port.port(), port.protocol().ipProtocol, servers, pairIds, weights, keep);
            }
        }
        return b.build(++version);
    }

    private void publish() {
        assignIds();
        tables.set(compile());
    }

    // ---------------------------------------------------------------- health

    /**
     * An advisor's transition, for the target whose key {@link AdvisorPlan} gave it (the edge
     * where the advisors' string keys become typed pairs); ignored when that pair is gone.
     */
    public synchronized void onHealth(String advisorKey, boolean up, String reason) {
        for (PairKey pair : pairsOf(config, Map.of())) {
            if (pair.service().targetKey(pair.server()).equals(advisorKey)) {
                onHealth(pair.service(), pair.server(), up, reason);
                return;
            }
        }
    }

    /** An advisor's transition for a server of a service. */
    public synchronized void onHealth(ServiceKey service, int server, boolean up, String reason) {
        Health before = health.put(new PairKey(service, server), new Health(up, reason));
        if (before == null || before.up() != up) {
            publish();
            warnIfAllDown();
        }
    }

    private void warnIfAllDown() {
        for (ClusterConfig cluster : config.clusters()) {
            for (PortConfig port : cluster.ports()) {
                ServiceKey service = new ServiceKey(cluster.address(), port.port(), port.protocol());
                boolean any = port.servers().stream().anyMatch(s -> effective(service, port, s).weight() > 0);
                if (!any) {
                    LOG.warn("all servers of {} are down or drained: new flows are dropped", service);
                }
            }
        }
    }

    /** Forgets lingering servers that carry no more flows; call periodically. */
    public synchronized void tick() {
        if (dataPlane == null || lingering.isEmpty()) {
            return;
        }
        boolean changed = false;
        for (var entry : lingering.entrySet()) {
            changed |= entry.getValue().removeIf(address -> {
                long active = dataPlane.activeFlows(pair(entry.getKey(), address));
                if (active == 0) {
                    LOG.info("removed server {} of {} has no flows left", Ipv4.format(address), entry.getKey());
                }
                return active == 0;
            });
        }
        lingering.values().removeIf(Set::isEmpty);
        if (changed) {
            publish();
        }
    }

    // ---------------------------------------------------------------- lookups

    private record Located(ClusterConfig cluster, PortConfig port, ServiceKey service, int server, int index) {
    }

    private static int parseAddress(String text, String field) throws ControlException {
        try {
            return Ipv4.parse(text);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ControlException(ControlException.Kind.INVALID, field + ": not an IPv4 address: " + text);
        }
    }

    private static Protocol parseProtocol(String text) throws ControlException {
        for (Protocol p : Protocol.values()) {
            if (p.configName().equals(text)) {
                return p;
            }
        }
        throw new ControlException(ControlException.Kind.INVALID, "protocol: expected tcp or udp, found " + text);
    }

    private Located locatePort(ServerRef ref) throws ControlException {
        int vip = parseAddress(ref.vip(), "vip");
        Protocol protocol = parseProtocol(ref.protocol());
        int server = parseAddress(ref.server(), "server");
        for (ClusterConfig cluster : config.clusters()) {
            if (cluster.address() != vip) {
                continue;
            }
            for (PortConfig port : cluster.ports()) {
                if (port.port() == ref.port() && port.protocol() == protocol) {
                    int index = -1;
                    for (int i = 0; i < port.servers().size(); i++) {
                        if (port.servers().get(i).address() == server) {
                            index = i;
                        }
                    }
                    return new Located(cluster, port, new ServiceKey(vip, ref.port(), protocol), server, index);
                }
            }
            throw new ControlException(ControlException.Kind.NOT_FOUND,
                    "no service " + ref.vip() + ":" + ref.port() + "/" + ref.protocol());
        }
        throw new ControlException(ControlException.Kind.NOT_FOUND, "no cluster " + ref.vip());
    }

    private Located locateServer(ServerRef ref) throws ControlException {
        Located at = locatePort(ref);
        if (at.index() < 0) {
            throw new ControlException(ControlException.Kind.NOT_FOUND, "no server " + ref);
        }
        return at;
    }

    private void replacePort(Located at, PortConfig newPort) {
        config = withPort(at, newPort);
        pruneLingering();
        configListeners.forEach(l -> l.accept(config));
    }

    private DispatcherConfig withPort(Located at, PortConfig newPort) {
        List<ClusterConfig> clusters = new ArrayList<>();
        for (ClusterConfig cluster : config.clusters()) {
            if (cluster != at.cluster()) {
                clusters.add(cluster);
                continue;
            }
            List<PortConfig> ports = new ArrayList<>();
            for (PortConfig port : cluster.ports()) {
                ports.add(port == at.port() ? newPort : port);
            }
            clusters.add(new ClusterConfig(cluster.address(), ports));
        }
        return new DispatcherConfig(config.source(), config.interfaceName(), clusters, config.flowTable(), config.arp(),
                config.io(), config.pipeline(), config.admin());
    }

    /** Servers added back (by a reload or an add) are members again, no longer lingering. */
    private void pruneLingering() {
        Map<ServiceKey, PortConfig> ports = ConfigDiff.services(config);
        lingering.entrySet().removeIf(entry -> {
            PortConfig port = ports.get(entry.getKey());
            if (port == null) {
                return false;
            }
            port.servers().forEach(server -> entry.getValue().remove(server.address()));
            return entry.getValue().isEmpty();
        });
    }

    private static PortConfig withServers(PortConfig port, List<ServerConfig> servers) {
        return new PortConfig(port.port(), port.protocol(), servers, port.onServerDown(), port.advisor());
    }

    private static void checkWeight(int weight) throws ControlException {
        if (weight < ServerConfig.MIN_WEIGHT || weight > ServerConfig.MAX_WEIGHT) {
            throw new ControlException(ControlException.Kind.INVALID, "weight: must be an integer from "
                    + ServerConfig.MIN_WEIGHT + " to " + ServerConfig.MAX_WEIGHT + ", found " + weight);
        }
    }

    // ---------------------------------------------------------------- operations

    @Override
    public synchronized void addServer(ServerRef ref, int weight, String mac) throws ControlException {
        Located at = locatePort(ref);
        if (at.index() >= 0) {
            throw new ControlException(ControlException.Kind.CONFLICT, "server " + ref + " already exists");
        }
        checkWeight(weight);
        if (!Ipv4.isUnicast(at.server())) {
            throw new ControlException(ControlException.Kind.INVALID, "server: " + ref.server() + " is not a unicast address");
        }
        for (ClusterConfig cluster : config.clusters()) {
            if (cluster.address() == at.server()) {
                throw new ControlException(ControlException.Kind.INVALID, "server: " + ref.server() + " is a VIP");
            }
        }
        long staticMac = ServerConfig.NO_MAC;
        if (mac != null && !mac.isBlank()) {
            try {
                staticMac = MacAddress.parse(mac);
            } catch (IllegalArgumentException e) {
                throw new ControlException(ControlException.Kind.INVALID, "mac: not a MAC address: " + mac);
            }
            if (!MacAddress.isUnicast(staticMac)) {
                throw new ControlException(ControlException.Kind.INVALID, "mac: must be a unicast, non-zero MAC: " + mac);
            }
        }
        long known = staticMacOf(at.server());
        if (staticMac != ServerConfig.NO_MAC && known != ServerConfig.NO_MAC && known != staticMac) {
            throw new ControlException(ControlException.Kind.CONFLICT, "mac: " + ref.server() + " already has static MAC "
                    + MacAddress.format(known) + " elsewhere in the configuration");
        }
        if (staticMac == ServerConfig.NO_MAC) {
            staticMac = known;
        }
        String notAServer = HostPreflight.whyNotAServer(at.server(), staticMac, ownMac);
        if (notAServer != null) {
            throw new ControlException(ControlException.Kind.INVALID, "server: " + ref.server() + ": " + notAServer);
        }
        List<ServerConfig> servers = new ArrayList<>(at.port().servers());
        servers.add(new ServerConfig(at.server(), weight, staticMac));
        String full = idsMissingFor(withPort(at, withServers(at.port(), servers)));
        if (full != null) {
            throw new ControlException(ControlException.Kind.CONFLICT, full);
        }
        lingering.getOrDefault(at.service(), new LinkedHashSet<>()).remove(at.server());
        replacePort(at, withServers(at.port(), servers));
        publish();
        LOG.info("added server {} with weight {}", ref, weight);
    }

    private long staticMacOf(int address) {
        for (ClusterConfig cluster : config.clusters()) {
            for (PortConfig port : cluster.ports()) {
                for (ServerConfig server : port.servers()) {
                    if (server.address() == address && server.hasStaticMac()) {
                        return server.mac();
                    }
                }
            }
        }
        return ServerConfig.NO_MAC;
    }

    @Override
    public synchronized void removeServer(ServerRef ref) throws ControlException {
        Located at = locateServer(ref);
        if (at.port().servers().size() == 1) {
            throw new ControlException(ControlException.Kind.CONFLICT, "cannot remove the last server of "
                    + at.service() + ": a port needs one; drain it, or remove the port from the file and reload");
        }
        List<ServerConfig> servers = new ArrayList<>(at.port().servers());
        servers.remove(at.index());
        if (at.port().onServerDown() == ServerDownPolicy.KEEP) {
            lingering.computeIfAbsent(at.service(), k -> new LinkedHashSet<>()).add(at.server());
        }
        operator.remove(key(at.service(), at.server()));
        replacePort(at, withServers(at.port(), servers));
        publish();
        LOG.info("removed server {}; its flows {}", ref,
                at.port().onServerDown() == ServerDownPolicy.KEEP ? "continue until they end" : "are rescheduled");
    }

    @Override
    public synchronized void setWeight(ServerRef ref, int weight) throws ControlException {
        checkWeight(weight);
        Located at = locateServer(ref);
        List<ServerConfig> servers = new ArrayList<>(at.port().servers());
        ServerConfig old = servers.get(at.index());
        servers.set(at.index(), new ServerConfig(old.address(), weight, old.mac()));
        OperatorState op = operator.get(key(at.service(), at.server()));
        if (op != null) {
            op.draining = false;
        }
        replacePort(at, withServers(at.port(), servers));
        publish();
        LOG.info("server {}: weight {} -> {}", ref, old.weight(), weight);
    }

    @Override
    public synchronized void drain(ServerRef ref) throws ControlException {
        Located at = locateServer(ref);
        operator.computeIfAbsent(key(at.service(), at.server()), k -> new OperatorState()).draining = true;
        publish();
        LOG.info("server {}: draining (no new flows, existing ones continue)", ref);
    }

    @Override
    public synchronized long activeConnections(ServerRef ref) throws ControlException {
        Located at = locatePort(ref);
        if (at.index() < 0 && !lingering.getOrDefault(at.service(), Set.of()).contains(at.server())) {
            throw new ControlException(ControlException.Kind.NOT_FOUND, "no server " + ref);
        }
        return dataPlane == null ? 0 : dataPlane.activeFlows(pair(at.service(), at.server()));
    }

    @Override
    public synchronized void override(ServerRef ref, String state) throws ControlException {
        Located at = locateServer(ref);
        ManualState o = switch (state == null ? "" : state.toLowerCase(Locale.ROOT)) {
            case "up" -> ManualState.UP;
            case "down" -> ManualState.DOWN;
            case "auto" -> ManualState.NONE;
            default -> throw new ControlException(ControlException.Kind.INVALID,
                    "state: expected up, down or auto, found " + state);
        };
        operator.computeIfAbsent(key(at.service(), at.server()), k -> new OperatorState()).override = o;
        publish();
        warnIfAllDown();
        LOG.info("server {}: override {}", ref, o.name().toLowerCase(Locale.ROOT));
    }

    @Override
    public ReloadResult reload() {
        long now = System.currentTimeMillis();
        Path source = config().source();
        DispatcherConfig next;
        try {
            next = loader.load(source);
        } catch (ConfigException e) {
            return refused(now, e.errors().stream().map(Object::toString).toList());
        }
        List<String> unfit = HostPreflight.errors(next, ownMac);
        if (!unfit.isEmpty()) {
            return refused(now, unfit);
        }
        return apply(next, now);
    }

    private synchronized ReloadResult refused(long now, List<String> errors) {
        lastReload = new ReloadResult(false, now, errors, List.of(), List.of());
        reloadFailures++;
        lastReloadOk = false;
        LOG.warn("reload refused, still running the previous configuration:\n  {}", String.join("\n  ", errors));
        return lastReload;
    }

    private synchronized ReloadResult apply(DispatcherConfig next, long now) {
        String full = idsMissingFor(next);
        if (full != null) {
            return refused(now, List.of(next.source() + ": " + full));
        }
        List<String> changes = ConfigDiff.changes(config, next);
        List<String> warnings = ConfigDiff.needRestart(config, next);
        for (ClusterConfig cluster : config.clusters()) {
            for (PortConfig port : cluster.ports()) {
                ServiceKey service = new ServiceKey(cluster.address(), port.port(), port.protocol());
                PortConfig after = ConfigDiff.port(next, service);
                for (ServerConfig server : port.servers()) {
                    boolean stays = after != null && after.servers().stream().anyMatch(s -> s.address() == server.address());
                    if (!stays) {
                        operator.remove(key(service, server.address()));
                        if (after != null && after.onServerDown() == ServerDownPolicy.KEEP) {
                            lingering.computeIfAbsent(service, k -> new LinkedHashSet<>()).add(server.address());
                        }
                    }
                }
            }
        }
        config = next;
        pruneLingering();
        configListeners.forEach(l -> l.accept(config));
        publish();
        lastReload = new ReloadResult(true, now, List.of(), changes, warnings);
        reloadSuccesses++;
        lastReloadOk = true;
        lastSuccessEpochMs = now;
        LOG.info("reloaded {}: {}", config.source(), changes.isEmpty() ? "no changes" : String.join("; ", changes));
        warnings.forEach(LOG::warn);
        return lastReload;
    }

    @Override
    public String runningConfigYaml() {
        return ConfigYaml.write(config());
    }

    @Override
    public String saveConfig() throws ControlException {
        synchronized (saving) {
            // The state as of now, written (and read back to validate it) outside the main lock.
            DispatcherConfig snapshot = config();
            try {
                ConfigYaml.save(snapshot);
            } catch (IOException e) {
                throw new ControlException(ControlException.Kind.CONFLICT, "cannot write " + snapshot.source() + ": "
                        + e.getMessage());
            }
            LOG.info("running configuration saved to {}", snapshot.source());
            return snapshot.source().toString();
        }
    }

    /** How long explain waits for the owning worker's answer (it comes within one poll timeout). */
    static final Duration EXPLAIN_TIMEOUT = Duration.ofSeconds(2);

    @Override
    public Explanation explain(String clientIp, int clientPort, String vip, int vipPort, String protocol)
            throws ControlException {
        int client = parseAddress(clientIp, "client");
        int vipAddress = parseAddress(vip, "vip");
        Protocol proto = parseProtocol(protocol);
        ForwardingTable table = tables.get();
        int service = table.service(vipAddress, vipPort, proto.ipProtocol);
        String serviceName = new ServiceKey(vipAddress, vipPort, proto).toString();
        if (service == ForwardingTable.NO_SERVICE) {
            return new Explanation(null, table.isVip(vipAddress) ? "no service: the VIP does not serve this port"
                    : "not a VIP: passed, not forwarded", null, null, List.of());
        }
        List<String> candidates;
        DataPlaneView view;
        synchronized (this) {
            candidates = candidates(vipAddress, vipPort, proto);
            view = dataPlane;
        }
        // Asked of the worker that owns the flow, outside the lock: it answers at its next batch.
        DataPlaneView.FlowAnswer answer = null;
        if (view != null) {
            try {
                answer = view.ask(new FlowKey().ipv4(client, vipAddress, clientPort, vipPort, proto.ipProtocol),
                        EXPLAIN_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (answer != null && answer.found() && table.pairServer(answer.pair()) >= 0) {
            boolean keeps = table.keepsFlow(answer.pair());
            return new Explanation(serviceName, keeps ? "existing flow" : "existing flow, but its server is down or removed "
                    + "under the reset policy: the next packet is scheduled afresh",
                    Ipv4.format(table.serverIp(table.pairServer(answer.pair()))), answer.state(), candidates);
        }
        if (answer != null && !answer.found()) {
            if (answer.pair() < 0 || table.pairServer(answer.pair()) < 0) {
                return new Explanation(serviceName, "no eligible server: new flows are dropped", null, null, candidates);
            }
            return new Explanation(serviceName, "new flow: smooth weighted round-robin would pick this server next",
                    Ipv4.format(table.serverIp(table.pairServer(answer.pair()))), null, candidates);
        }
        boolean any = candidates.stream().anyMatch(c -> c.endsWith("eligible"));
        return new Explanation(serviceName, any ? "new flow: smooth weighted round-robin over the eligible servers"
                + (view == null ? "" : " (the forwarding worker did not answer in time)")
                : "no eligible server: new flows are dropped", null, null, candidates);
    }

    private List<String> candidates(int vip, int port, Protocol protocol) {
        List<String> list = new ArrayList<>();
        ServiceKey service = new ServiceKey(vip, port, protocol);
        PortConfig pc = ConfigDiff.port(config, service);
        if (pc == null) {
            return list;
        }
        for (ServerConfig server : pc.servers()) {
            Effective e = effective(service, pc, server);
            boolean mac = dataPlane == null || dataPlane.mac(registry.idOf(server.address())) != NeighbourTable.UNKNOWN;
            boolean eligible = e.weight() > 0 && mac;
            list.add(Ipv4.format(server.address()) + " weight " + e.weight() + " (" + e.state()
                    + (e.reason().isEmpty() ? "" : ", " + e.reason()) + (mac ? "" : ", no MAC yet") + ") "
                    + (eligible ? "eligible" : "not eligible"));
        }
        return list;
    }

    @Override
    public synchronized StatusView status() {
        ForwardingTable table = tables.get();
        CounterSnapshot counters = dataPlane == null ? null : dataPlane.counters();
        Map<String, Long> byVerdict = new LinkedHashMap<>();
        for (int v = 0; v < Verdict.COUNT; v++) {
            byVerdict.put(Verdict.name(v), counters == null ? 0 : counters.verdicts()[v]);
        }
        List<StatusView.ClusterView> clusters = new ArrayList<>();
        for (ClusterConfig cluster : config.clusters()) {
            List<StatusView.PortView> ports = new ArrayList<>();
            for (PortConfig port : cluster.ports()) {
                ServiceKey service = new ServiceKey(cluster.address(), port.port(), port.protocol());
                List<StatusView.ServerView> servers = new ArrayList<>();
                boolean anyUp = false;
                for (ServerConfig server : port.servers()) {
                    servers.add(serverView(service, port, server));
                    anyUp |= servers.getLast().state().equals("up") && servers.getLast().weight() > 0;
                }
                for (int address : lingering.getOrDefault(service, Set.of())) {
                    int index = registry.idOf(address);
                    int pair = pair(service, address);
                    servers.add(new StatusView.ServerView(Ipv4.format(address), "removed",
                            "removed; flows continue until they end", 0, 0, "none", "none", macText(index),
                            active(pair), total(pair)));
                }
                String advisor = port.advisor().map(a -> a.type().configName()).orElse("none");
                ports.add(new StatusView.PortView(port.port(), port.protocol().configName(),
                        port.onServerDown().configName(), advisor, !anyUp, servers));
            }
            clusters.add(new StatusView.ClusterView(Ipv4.format(cluster.address()), ports));
        }
        return new StatusView(interfaceName, MacAddress.format(ownMac), mode, String.valueOf(config.source()), lastReload,
                byVerdict, clusters);
    }

    private StatusView.ServerView serverView(ServiceKey service, PortConfig port, ServerConfig server) {
        int index = registry.idOf(server.address());
        Effective e = effective(service, port, server);
        String state = e.state();
        String reason = e.reason();
        boolean macKnown = dataPlane == null || dataPlane.mac(index) != NeighbourTable.UNKNOWN;
        if (state.equals("up") && !macKnown) {
            state = "down";
            reason = "no ARP reply from " + Ipv4.format(server.address()) + " yet";
        }
        Health h = health.get(key(service, server.address()));
        String healthText = port.advisor().isEmpty() ? "none" : h == null ? "up" : h.up() ? "up" : "down";
        OperatorState op = operatorState(service, server.address());
        int pair = pair(service, server.address());
        return new StatusView.ServerView(Ipv4.format(server.address()), state, reason, e.weight(), server.weight(),
                healthText, op.override.name().toLowerCase(Locale.ROOT), macText(index), active(pair), total(pair));
    }

    private String macText(int index) {
        if (dataPlane == null) {
            return null;
        }
        long mac = dataPlane.mac(index);
        return mac == NeighbourTable.UNKNOWN ? null : MacAddress.format(mac);
    }

    private long active(int pair) {
        return dataPlane == null ? 0 : dataPlane.activeFlows(pair);
    }

    private long total(int pair) {
        return dataPlane == null ? 0 : dataPlane.newFlows(pair);
    }

    /** Reload outcomes for metrics: successes, failures, last success (epoch ms), last ok. */
    public synchronized ReloadStats reloadStats() {
        return new ReloadStats(reloadSuccesses, reloadFailures, lastSuccessEpochMs, lastReloadOk);
    }

    public record ReloadStats(long successes, long failures, long lastSuccessEpochMs, boolean lastOk) {
    }

    /** One (service, server) pair as metrics label it, with its stable id. */
    public record PairInfo(ServiceKey service, int server, int pair, String advisorKey) {
    }

    /** Every pair of the running configuration, removed-but-lingering ones included. */
    public synchronized List<PairInfo> pairInfos() {
        List<PairInfo> list = new ArrayList<>();
        for (ClusterConfig cluster : config.clusters()) {
            for (PortConfig port : cluster.ports()) {
                ServiceKey service = new ServiceKey(cluster.address(), port.port(), port.protocol());
                for (ServerConfig server : port.servers()) {
                    list.add(new PairInfo(service, server.address(), pair(service, server.address()),
                            service.targetKey(server.address())));
                }
                for (int address : lingering.getOrDefault(service, Set.of())) {
                    list.add(new PairInfo(service, address, pair(service, address), service.targetKey(address)));
                }
            }
        }
        return list;
    }

    public synchronized DataPlaneView dataPlane() {
        return dataPlane;
    }

    /** Resolves a server index (for logs of the data plane's neighbour changes). */
    public synchronized int serverIndex(int address) {
        return registry.idOf(address);
    }
}
