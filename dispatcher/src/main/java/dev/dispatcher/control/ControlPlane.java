package dev.dispatcher.control;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.ConfigException;
import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.HaConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.PortConfig;
import dev.dispatcher.config.ServerConfig;
import dev.dispatcher.config.ServerDownPolicy;
import dev.dispatcher.control.api.ControlException;
import dev.dispatcher.control.api.ControlOperations;
import dev.dispatcher.control.api.Explanation;
import dev.dispatcher.control.api.HaStatusView;
import dev.dispatcher.control.api.ReloadResult;
import dev.dispatcher.control.api.ServerOverride;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.ServiceKey;
import dev.dispatcher.control.api.StatusView;
import dev.dispatcher.control.ha.HaGroups;
import dev.dispatcher.control.ha.HaNode;
import dev.dispatcher.control.ha.Heartbeat;
import dev.dispatcher.control.sync.FlowSyncReceiver;
import dev.dispatcher.control.sync.FlowSyncSender;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.sched.MaglevTable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running dispatcher's control plane: a thin facade over an immutable {@link ControlState}.
 * Each change checks its arguments against the state, makes the next state, compiles it into a
 * {@link ForwardingTable} ({@link TableCompiler}) and publishes both; the workers adopt the table
 * at the top of their next batch. A refused change touches nothing.
 *
 * <p>One lock orders the changes. Nothing slow or unbounded runs under it: a reload reads, parses
 * and checks its file before it takes the lock, saving writes outside it, explain waits for a
 * worker's answer outside it. Reads (status, explain's candidates, metrics) take no lock at all:
 * they render the last published state, which never changes once published.
 */
public final class ControlPlane implements ControlOperations {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);
    /** How long explain waits for the owning worker's answer (it comes within one poll timeout). */
    static final Duration EXPLAIN_TIMEOUT = Duration.ofSeconds(2);

    /** Reads and validates a configuration file: {@link ConfigLoader#load} but in tests. */
    @FunctionalInterface
    interface Loader {
        DispatcherConfig load(Path file) throws ConfigException;
    }

    /** A state as readers see it, with the ids of everything it names. */
    private record Published(ControlState state, Map<Integer, Integer> serverIds, Map<ServerRef, Integer> pairIds) {
        int serverId(int address) {
            return serverIds.getOrDefault(address, -1);
        }

        int pairId(ServerRef pair) {
            return pairIds.getOrDefault(pair, -1);
        }
    }

    /** Reload outcomes for metrics: successes, failures, last success (epoch ms), last ok. */
    public record ReloadStats(long successes, long failures, long lastSuccessEpochMs, boolean lastOk) {
    }

    /** One (service, server) pair as metrics label it, with its stable id. */
    public record PairInfo(ServerRef target, int pair) {
        public ServiceKey service() {
            return target.service();
        }

        public int server() {
            return target.server();
        }

        /** The key its advisor's state is kept under. */
        public String advisorKey() {
            return AdvisorPlan.key(target);
        }
    }

    private final AtomicReference<ForwardingTable> tables = new AtomicReference<>();
    private final Loader loader;
    private final TableCompiler.Host host;
    private final String interfaceName;
    /** Server indexes and pair ids, derived from content: the same for the same configuration. */
    private final ContentIds<Integer> serverIds = new ContentIds<>(ForwardingTable.MAX_SERVERS, Fingerprints::server);
    private final ContentIds<ServerRef> pairIds = new ContentIds<>(ForwardingTable.MAX_PAIRS,
            p -> Fingerprints.pair(p.service(), p.server()));
    private final List<Consumer<DispatcherConfig>> configListeners = new CopyOnWriteArrayList<>();
    /** Orders saves among themselves (each writes the state it saw last), without the main lock. */
    private final Object saving = new Object();
    private volatile Published published;
    private volatile DataPlaneView dataPlane;
    private volatile HaNode haNode;
    private volatile FlowSyncReceiver syncIn;
    private volatile FlowSyncSender syncOut;
    private volatile String mode = "";
    /** The servers (by index) whose MAC was known when the table was last compiled. */
    private BitSet macsAtCompile = new BitSet();
    private volatile ReloadResult lastReload;
    private volatile FlowRestore.Report restore = FlowRestore.Report.none("not started");
    private volatile ReloadStats reloads = new ReloadStats(0, 0, System.currentTimeMillis(), true);
    private long version;

    public ControlPlane(DispatcherConfig config, String interfaceName, long ownMac, int ownIp, int mtu) {
        this(config, interfaceName, ownMac, ownIp, mtu, ConfigLoader::load);
    }

    ControlPlane(DispatcherConfig config, String interfaceName, long ownMac, int ownIp, int mtu, Loader loader) {
        this.loader = loader;
        this.interfaceName = interfaceName;
        this.host = new TableCompiler.Host(ownMac, ownIp, mtu);
        publish(ControlState.of(config));
    }

    /** The reference the workers read at the top of each batch. */
    public AtomicReference<ForwardingTable> tables() {
        return tables;
    }

    public void attach(DataPlaneView view, String modeName) {
        this.dataPlane = view;
        this.mode = modeName;
    }

    /** Called (under the change lock) after every change of the configuration, e.g. to re-plan advisors. */
    public void onConfigChange(Consumer<DispatcherConfig> listener) {
        configListeners.add(listener);
    }

    public DispatcherConfig config() {
        return published.state().config();
    }

    public DataPlaneView dataPlane() {
        return dataPlane;
    }

    /** The pair id of a server within a service; -1 when it has none. */
    int pair(ServiceKey service, int server) {
        return published.pairId(new ServerRef(service, server));
    }

    /** Content fingerprints by pair id, for the pairs of the running state (our ids to a snapshot's names). */
    public Map<Integer, Long> fingerprintsByPair() {
        Published p = published;
        Map<Integer, Long> byPair = new java.util.HashMap<>();
        for (ServerRef pair : p.state().pairs()) {
            byPair.put(p.pairId(pair), Fingerprints.pair(pair.service(), pair.server()));
        }
        return byPair;
    }

    /** Pair ids by content fingerprint, for the pairs of the running state (a snapshot's names to ours). */
    public Map<Long, Integer> pairsByFingerprint() {
        Published p = published;
        Map<Long, Integer> byFingerprint = new java.util.HashMap<>();
        for (ServerRef pair : p.state().pairs()) {
            byFingerprint.put(Fingerprints.pair(pair.service(), pair.server()), p.pairId(pair));
        }
        return byFingerprint;
    }

    /** The index of a real server, for logs of the data plane's neighbour changes; -1 when it has none. */
    public int serverIndex(int address) {
        return published.serverId(address);
    }

    // ---------------------------------------------------------------- publishing

    /** Numbers what {@code next} names, compiles it and publishes both. Under the lock. */
    private void publish(ControlState next) {
        List<ServerRef> pairs = next.pairs();
        serverIds.assign(pairs.stream().map(ServerRef::server).toList(), Comparator.naturalOrder());
        pairIds.assign(pairs, PAIR_ORDER);
        Published p = new Published(next, serverIds.snapshot(), pairIds.snapshot());
        BitSet macs = knownMacs();
        ForwardingTable table = TableCompiler.compile(next, host, p::serverId, p::pairId, macs::get, ++version);
        macsAtCompile = macs;
        boolean configChanged = published == null || published.state().config() != next.config();
        // The state first: whoever sees the new table (sync maps its pairs by it) finds its ids.
        published = p;
        tables.set(table);
        if (configChanged && version > 1) {
            configListeners.forEach(l -> l.accept(next.config()));
        }
    }

    private static final Comparator<ServerRef> PAIR_ORDER = Comparator.comparingInt((ServerRef p) -> p.service().vip())
            .thenComparingInt(p -> p.service().port()).thenComparing(p -> p.service().protocol())
            .thenComparingInt(ServerRef::server);

    /**
     * Why ids cannot be given to everything {@code next} names, or null when they can: checked
     * before a change is applied, so that a change never fails half-way at the bound.
     */
    private String idsMissingFor(ControlState next) {
        List<ServerRef> pairs = next.pairs();
        long newPairs = pairs.stream().distinct().filter(p -> pairIds.idOf(p) < 0).count();
        long newServers = pairs.stream().map(ServerRef::server).distinct().filter(a -> serverIds.idOf(a) < 0).count();
        if (!serverIds.hasRoomFor((int) newServers)) {
            return "too many real servers (at most " + ForwardingTable.MAX_SERVERS + " per process)";
        }
        if (!pairIds.hasRoomFor((int) newPairs)) {
            return "too many (service, server) pairs (at most " + ForwardingTable.MAX_PAIRS + " per process)";
        }
        return null;
    }

    private static void warnIfAllDown(ControlState state) {
        for (ClusterConfig cluster : state.config().clusters()) {
            for (PortConfig port : cluster.ports()) {
                ServiceKey service = ControlState.service(cluster, port);
                if (port.servers().stream().noneMatch(s -> state.effective(service, port, s).weight() > 0)) {
                    LOG.warn("all servers of {} are down or drained: new flows are dropped", service);
                }
            }
        }
    }

    // ---------------------------------------------------------------- advisors and housekeeping

    /**
     * An advisor's transition, for the target whose key {@link AdvisorPlan} gave it (the edge
     * where the advisors' string keys become typed pairs); ignored when that pair is gone.
     */
    public void onHealth(String advisorKey, boolean up, String reason) {
        for (ServerRef pair : published.state().pairs()) {
            if (AdvisorPlan.key(pair).equals(advisorKey)) {
                onHealth(pair, up, reason);
                return;
            }
        }
    }

    /** An advisor's transition for a server of a service. */
    public synchronized void onHealth(ServerRef pair, boolean up, String reason) {
        ControlState state = published.state();
        ControlState.ServerHealth before = state.health().get(pair);
        ControlState next = state.withHealth(pair, new ControlState.ServerHealth(up, reason));
        if (before == null || before.up() != up) {
            publish(next);
            warnIfAllDown(next);
        } else {
            published = new Published(next, published.serverIds(), published.pairIds());
        }
    }

    /** The servers (by index) whose MAC the neighbour table knows now. */
    private BitSet knownMacs() {
        BitSet known = new BitSet();
        DataPlaneView view = dataPlane;
        if (view != null) {
            for (int index = 0; index < ForwardingTable.MAX_SERVERS; index++) {
                if (view.mac(index) != NeighbourTable.UNKNOWN) {
                    known.set(index);
                }
            }
        }
        return known;
    }

    /**
     * Housekeeping, called about once a second: recompiles when a real server's MAC was learned or
     * lost since the last compile (a server without a MAC takes no Maglev slots), and forgets
     * lingering servers that carry no more flows.
     */
    public synchronized void tick() {
        if (!knownMacs().equals(macsAtCompile)) {
            publish(published.state());
        }
        DataPlaneView view = dataPlane;
        ControlState state = published.state();
        if (view == null || state.lingering().isEmpty()) {
            return;
        }
        ControlState next = state.withoutIdleLingering(pair -> view.activeFlows(published.pairId(pair)) > 0);
        if (!next.lingering().equals(state.lingering())) {
            state.pairs().stream().filter(p -> state.lingeringOf(p.service()).contains(p.server())
                            && !next.lingeringOf(p.service()).contains(p.server()))
                    .forEach(p -> LOG.info("removed server {} of {} has no flows left", Ipv4.format(p.server()),
                            p.service()));
            publish(next);
        }
    }

    // ---------------------------------------------------------------- high availability

    /**
     * The HA thread's decision: which groups this node serves, the partner's MAC and the
     * announcement generation. Compiled and published at once; the workers adopt it at their next
     * batch, so forwarding for a group starts and stops within one batch of the decision.
     */
    public synchronized void serve(HaOwnership next) {
        ControlState state = published.state();
        if (!next.equals(state.ha())) {
            publish(state.withHa(next));
        }
    }

    public HaOwnership haOwnership() {
        return published.state().ha();
    }

    /** The running HA node, which status, takeover and role go to, and its flow sync. */
    public void attachHa(HaNode node, FlowSyncReceiver in, FlowSyncSender out) {
        this.syncIn = in;
        this.syncOut = out;
        this.haNode = node;
    }

    /** The HA node, or null for a dispatcher without a partner. */
    public HaNode haNode() {
        return haNode;
    }

    public FlowSyncReceiver syncIn() {
        return syncIn;
    }

    public FlowSyncSender syncOut() {
        return syncOut;
    }

    private HaNode requireHaNode() throws ControlException {
        HaNode node = haNode;
        if (node == null) {
            throw new ControlException(ControlException.Kind.NOT_FOUND,
                    "no high availability: the configuration has no ha section");
        }
        return node;
    }

    @Override
    public HaStatusView haStatus() throws ControlException {
        HaNode node = requireHaNode();
        HaNode.Snapshot s = node.snapshot();
        HaConfig c = node.config();
        List<String> served = new ArrayList<>();
        List<String> standby = new ArrayList<>();
        for (ClusterConfig cluster : config().clusters()) {
            (s.owns(HaGroups.of(cluster, c.role())) ? served : standby).add(Ipv4.format(cluster.address()));
        }
        Heartbeat p = s.partner();
        HaStatusView.PartnerView partner = p == null ? null : new HaStatusView.PartnerView(p.nodeId(),
                Ipv4.format(c.peer()), p.role().configName(), HaNode.name(p.state()),
                s.partnerMac() == 0 ? null : MacAddress.format(s.partnerMac()), s.partnerAgeMs(), s.partnerAlive(),
                p.reached(), p.syncPosition());
        Map<String, Long> rejected = new LinkedHashMap<>();
        s.rejected().forEach((why, n) -> rejected.put(why.label(), n));
        Map<String, Long> transitions = new LinkedHashMap<>();
        s.transitions().forEach((cause, n) -> transitions.put(cause.label(), n));
        FlowSyncReceiver in = syncIn;
        FlowSyncSender out = syncOut;
        Map<String, Long> syncRejected = new LinkedHashMap<>();
        in.rejected().forEach((why, n) -> syncRejected.put(why.label(), n));
        HaStatusView.SyncView sync = new HaStatusView.SyncView(in.connected(), in.applied(), in.partnerRecords(),
                in.lagMillis(), in.unknownPairs(), syncRejected, out.connected(), out.recordsSent(), out.bulkCopies());
        return new HaStatusView(c.role().configName(), c.nodeId(), HaNode.name(s.state()), served, standby, partner,
                c.reachTargets().size(), s.reached(), s.caughtUp(), s.sent(), s.accepted(), rejected,
                transitions, s.lastChange(), s.lastChangeEpochMs(), s.lastTakeoverNanos(), s.firstForwardedNanos(),
                sync);
    }

    @Override
    public String haTakeover() throws ControlException {
        String refused = requireHaNode().takeover();
        if (refused != null) {
            throw new ControlException(ControlException.Kind.CONFLICT, "takeover refused: " + refused);
        }
        return "took over: this node serves every cluster";
    }

    @Override
    public String haRole(boolean active) throws ControlException {
        String refused = requireHaNode().setRole(active);
        if (refused != null) {
            throw new ControlException(ControlException.Kind.CONFLICT, "role not set: " + refused);
        }
        return active ? "this node is active: it answers ARP for the VIPs and forwards"
                : "this node is standby: it answers no ARP for the VIPs and forwards nothing for them";
    }

    // ---------------------------------------------------------------- operations

    /** The service's port in the state, or NOT_FOUND naming what is missing. */
    private static PortConfig port(ControlState state, ServiceKey service) throws ControlException {
        PortConfig port = state.port(service);
        if (port != null) {
            return port;
        }
        boolean cluster = state.config().clusters().stream().anyMatch(c -> c.address() == service.vip());
        throw new ControlException(ControlException.Kind.NOT_FOUND, cluster ? "no service " + service
                : "no cluster " + Ipv4.format(service.vip()));
    }

    private static ServerConfig server(PortConfig port, ServerRef ref) throws ControlException {
        for (ServerConfig server : port.servers()) {
            if (server.address() == ref.server()) {
                return server;
            }
        }
        throw new ControlException(ControlException.Kind.NOT_FOUND, "no server " + ref);
    }

    private static void checkWeight(int weight) throws ControlException {
        if (weight < ServerConfig.MIN_WEIGHT || weight > ServerConfig.MAX_WEIGHT) {
            throw new ControlException(ControlException.Kind.INVALID, "weight: must be an integer from "
                    + ServerConfig.MIN_WEIGHT + " to " + ServerConfig.MAX_WEIGHT + ", found " + weight);
        }
    }

    /** The configuration with {@code service}'s servers replaced. */
    private static DispatcherConfig withServers(DispatcherConfig config, ServiceKey service,
            List<ServerConfig> servers) {
        List<ClusterConfig> clusters = new ArrayList<>();
        for (ClusterConfig cluster : config.clusters()) {
            List<PortConfig> ports = new ArrayList<>();
            for (PortConfig port : cluster.ports()) {
                boolean it = cluster.address() == service.vip() && port.port() == service.port()
                        && port.protocol() == service.protocol();
                ports.add(it ? port.withServers(servers) : port);
            }
            clusters.add(cluster.withPorts(ports));
        }
        return config.withClusters(clusters);
    }

    @Override
    public synchronized void addServer(ServerRef ref, int weight, long mac) throws ControlException {
        ControlState state = published.state();
        PortConfig port = port(state, ref.service());
        if (port.servers().stream().anyMatch(s -> s.address() == ref.server())) {
            throw new ControlException(ControlException.Kind.CONFLICT, "server " + ref + " already exists");
        }
        checkWeight(weight);
        String server = Ipv4.format(ref.server());
        if (!Ipv4.isUnicast(ref.server())) {
            throw new ControlException(ControlException.Kind.INVALID,
                    "server: " + server + " is not a unicast address");
        }
        if (state.config().clusters().stream().anyMatch(c -> c.address() == ref.server())) {
            throw new ControlException(ControlException.Kind.INVALID, "server: " + server + " is a VIP");
        }
        if (mac != NO_MAC && !MacAddress.isUnicast(mac)) {
            throw new ControlException(ControlException.Kind.INVALID, "mac: must be a unicast, non-zero MAC: "
                    + MacAddress.format(mac));
        }
        long known = state.staticMacOf(ref.server());
        if (mac != NO_MAC && known != ServerConfig.NO_MAC && known != mac) {
            throw new ControlException(ControlException.Kind.CONFLICT, "mac: " + server + " already has static MAC "
                    + MacAddress.format(known) + " elsewhere in the configuration");
        }
        long staticMac = mac == NO_MAC ? known : mac;
        String notAServer = HostPreflight.whyNotAServer(ref.server(), staticMac, host.ownMac());
        if (notAServer != null) {
            throw new ControlException(ControlException.Kind.INVALID, "server: " + server + ": " + notAServer);
        }
        List<ServerConfig> servers = new ArrayList<>(port.servers());
        servers.add(new ServerConfig(ref.server(), weight, staticMac));
        ControlState next = state.withConfig(withServers(state.config(), ref.service(), servers));
        String full = idsMissingFor(next);
        if (full != null) {
            throw new ControlException(ControlException.Kind.CONFLICT, full);
        }
        publish(next);
        LOG.info("added server {} with weight {}", ref, weight);
    }

    @Override
    public synchronized void removeServer(ServerRef ref) throws ControlException {
        ControlState state = published.state();
        PortConfig port = port(state, ref.service());
        server(port, ref);
        if (port.servers().size() == 1) {
            throw new ControlException(ControlException.Kind.CONFLICT, "cannot remove the last server of "
                    + ref.service() + ": a port needs one; drain it, or remove the port from the file and reload");
        }
        List<ServerConfig> servers = new ArrayList<>(port.servers());
        servers.removeIf(s -> s.address() == ref.server());
        publish(state.withConfig(withServers(state.config(), ref.service(), servers)));
        LOG.info("removed server {}; its flows {}", ref,
                port.onServerDown() == ServerDownPolicy.KEEP ? "continue until they end" : "are rescheduled");
    }

    @Override
    public synchronized void setWeight(ServerRef ref, int weight) throws ControlException {
        checkWeight(weight);
        ControlState state = published.state();
        PortConfig port = port(state, ref.service());
        ServerConfig old = server(port, ref);
        List<ServerConfig> servers = new ArrayList<>();
        for (ServerConfig s : port.servers()) {
            servers.add(s == old ? new ServerConfig(old.address(), weight, old.mac()) : s);
        }
        // A new weight ends a drain: the operator said how much this server should take.
        ControlState.OperatorState op = state.operator(ref);
        ControlState next = state.withConfig(withServers(state.config(), ref.service(), servers))
                .withOperator(ref, new ControlState.OperatorState(op.override(), false));
        publish(next);
        LOG.info("server {}: weight {} -> {}", ref, old.weight(), weight);
    }

    @Override
    public synchronized void drain(ServerRef ref) throws ControlException {
        ControlState state = published.state();
        server(port(state, ref.service()), ref);
        ControlState.OperatorState op = state.operator(ref);
        publish(state.withOperator(ref, new ControlState.OperatorState(op.override(), true)));
        LOG.info("server {}: draining (no new flows, existing ones continue)", ref);
    }

    @Override
    public long activeConnections(ServerRef ref) throws ControlException {
        Published p = published;
        PortConfig port = port(p.state(), ref.service());
        boolean member = port.servers().stream().anyMatch(s -> s.address() == ref.server());
        if (!member && !p.state().lingeringOf(ref.service()).contains(ref.server())) {
            throw new ControlException(ControlException.Kind.NOT_FOUND, "no server " + ref);
        }
        DataPlaneView view = dataPlane;
        return view == null ? 0 : view.activeFlows(p.pairId(ref));
    }

    @Override
    public synchronized void override(ServerRef ref, ServerOverride override) throws ControlException {
        ControlState state = published.state();
        server(port(state, ref.service()), ref);
        ControlState.OperatorState op = state.operator(ref);
        ControlState next = state.withOperator(ref, new ControlState.OperatorState(override, op.draining()));
        publish(next);
        warnIfAllDown(next);
        LOG.info("server {}: override {}", ref, override == ServerOverride.AUTO ? "none" : override.apiName());
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
        List<String> unfit = HostPreflight.errors(next, host.ownMac());
        if (!unfit.isEmpty()) {
            return refused(now, unfit);
        }
        return apply(next, now);
    }

    private synchronized ReloadResult refused(long now, List<String> errors) {
        lastReload = new ReloadResult(false, now, errors, List.of(), List.of());
        ReloadStats r = reloads;
        reloads = new ReloadStats(r.successes(), r.failures() + 1, r.lastSuccessEpochMs(), false);
        LOG.warn("reload refused, still running the previous configuration:\n  {}", String.join("\n  ", errors));
        return lastReload;
    }

    private synchronized ReloadResult apply(DispatcherConfig next, long now) {
        ControlState state = published.state();
        ControlState after = state.withConfig(next);
        String full = idsMissingFor(after);
        if (full != null) {
            return refused(now, List.of(next.source() + ": " + full));
        }
        List<String> changes = ConfigDiff.changes(state.config(), next);
        List<String> warnings = ConfigDiff.needRestart(state.config(), next);
        publish(after);
        lastReload = new ReloadResult(true, now, List.of(), changes, warnings);
        ReloadStats r = reloads;
        reloads = new ReloadStats(r.successes() + 1, r.failures(), now, true);
        LOG.info("reloaded {}: {}", next.source(), changes.isEmpty() ? "no changes" : String.join("; ", changes));
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

    @Override
    public Explanation explain(int client, int clientPort, ServiceKey key) throws ControlException {
        Published p = published;
        ForwardingTable table = tables.get();
        int service = table.service(key.vip(), key.port(), key.protocol().ipProtocol);
        if (service == ForwardingTable.NO_SERVICE) {
            return new Explanation(null, table.isVip(key.vip()) ? "no service: the VIP does not serve this port"
                    : "not a VIP: passed, not forwarded", null, null, List.of());
        }
        DataPlaneView view = dataPlane;
        List<String> candidates = new StatusRenderer(p.state(), view, p::serverId, p::pairId).candidates(key);
        // Asked of the worker that owns the flow, outside any lock: it answers at its next batch.
        DataPlaneView.FlowAnswer answer = null;
        if (view != null) {
            try {
                answer = view.ask(new FlowKey().ipv4(client, key.vip(), clientPort, key.port(),
                        key.protocol().ipProtocol), EXPLAIN_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        String serviceName = key.toString();
        FlowKey flow = new FlowKey().ipv4(client, key.vip(), clientPort, key.port(), key.protocol().ipProtocol);
        PortConfig port = p.state().port(key);
        MaglevTable maglev = table.maglev(service);
        int lostPair = maglev.lookup(flow.hash());
        Explanation.Builder e = new Explanation.Builder(serviceName, candidates,
                port == null ? null : port.scheduler().configName(), maglev.slotOf(flow.hash()), maglev.size(),
                lostPair < 0 || table.pairServer(lostPair) < 0 ? null
                        : Ipv4.format(table.serverIp(table.pairServer(lostPair))));
        if (answer != null && answer.found() && table.pairServer(answer.pair()) >= 0) {
            boolean keeps = table.keepsFlow(answer.pair());
            return e.build(keeps ? "existing flow" : "existing flow, but its server is down or removed "
                    + "under the reset policy: the next packet is scheduled afresh",
                    Ipv4.format(table.serverIp(table.pairServer(answer.pair()))), answer.state());
        }
        if (answer != null && !answer.found()) {
            if (answer.pair() < 0 || table.pairServer(answer.pair()) < 0) {
                return e.build("no eligible server: new flows are dropped", null, null);
            }
            String how = table.usesMaglev(service) ? "new flow: the port's Maglev table puts it in slot "
                    + maglev.slotOf(flow.hash()) + " of " + maglev.size()
                    : "new flow: smooth weighted round-robin would pick this server next";
            return e.build(how, Ipv4.format(table.serverIp(table.pairServer(answer.pair()))), null);
        }
        boolean any = candidates.stream().anyMatch(c -> c.endsWith("eligible") && !c.endsWith("not eligible"));
        return e.build(any ? "new flow: " + (table.usesMaglev(service) ? "the port's Maglev table"
                : "smooth weighted round-robin") + " over the eligible servers"
                + (view == null ? "" : " (the forwarding worker did not answer in time)")
                : "no eligible server: new flows are dropped", null, null);
    }

    @Override
    public StatusView status() {
        Published p = published;
        return new StatusRenderer(p.state(), dataPlane, p::serverId, p::pairId)
                .render(new StatusRenderer.Context(interfaceName, host.ownMac(), mode, lastReload, restore));
    }

    /** What the start restored from the last stop's snapshot (status and metrics show it). */
    void restored(FlowRestore.Report report) {
        this.restore = report;
    }

    public FlowRestore.Report restoreReport() {
        return restore;
    }

    public ReloadStats reloadStats() {
        return reloads;
    }

    /** Every pair of the running configuration, removed-but-lingering ones included. */
    public List<PairInfo> pairInfos() {
        Published p = published;
        return p.state().pairs().stream().map(pair -> new PairInfo(pair, p.pairId(pair))).toList();
    }
}
