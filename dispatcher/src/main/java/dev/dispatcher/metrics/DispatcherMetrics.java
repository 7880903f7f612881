package dev.dispatcher.metrics;

import dev.dispatcher.admin.AdminReply;
import dev.dispatcher.admin.AdminServer;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.control.ControlPlane;
import dev.dispatcher.control.CounterSnapshot;
import dev.dispatcher.control.DataPlaneView;
import dev.dispatcher.control.Dispatcher;
import dev.dispatcher.control.api.StatusView;
import dev.dispatcher.control.ha.HaGroups;
import dev.dispatcher.control.ha.HaNode;
import dev.dispatcher.control.ha.HaStateMachine;
import dev.dispatcher.control.ha.Heartbeat;
import dev.dispatcher.control.ha.HeartbeatCodec;
import dev.dispatcher.control.sync.SyncFrames;
import dev.dispatcher.dataplane.arp.ArpAgent;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.pipeline.ForwardingWorker;
import dev.dispatcher.dataplane.pipeline.LatencySamples;
import dev.dispatcher.health.HealthChecker;
import dev.dispatcher.health.TargetHealth;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The dispatcher's Prometheus metrics (names in {@link MetricCatalog}). Everything is a function
 * counter or gauge that reads the data plane's plain counters when Prometheus scrapes; the hot path
 * never touches Micrometer. Per-server series are registered for every (service, server) pair of
 * the running configuration, present at 0 from the start, and re-registered when it changes.
 */
public final class DispatcherMetrics {
    private static final List<String> STATES = List.of("up", "down", "drain", "removed");
    /** Every reason a snapshot or a saved flow is not restored: present at 0 from the start. */
    private static final List<String> RESTORE_SKIPS = List.of("missing", "unreadable", "corrupt", "truncated",
            "version", "too_old", "pair_gone", "expired");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Dispatcher dispatcher;
    private final ControlPlane control;
    private final Timer latency;
    private final long[] latencyRead;
    private final List<Meter> pairMeters = new ArrayList<>();
    private volatile CounterSnapshot snapshot;
    private volatile StatusView status;
    /** The HA node's state as of the scrape; null without a partner. */
    private volatile HaNode.Snapshot ha;
    /** Set when the configuration changed: the per-pair series are re-registered by the next scrape. */
    private volatile boolean pairsStale;

    private DispatcherMetrics(Dispatcher dispatcher) {
        this.dispatcher = dispatcher;
        this.control = dispatcher.control();
        this.latency = Timer.builder("dispatcher.packet.processing")
                .description("Per-packet processing time, sampled 1 in " + LatencySamples.SAMPLE_EVERY + " frames")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50))
                .maximumExpectedValue(Duration.ofMillis(10))
                .register(registry);
        this.latencyRead = new long[dispatcher.pipeline().workers().size()];
        refresh();
        registerGlobal();
        registerHa();
        registerPairs();
        // Only a flag: the listener runs under the control plane's lock, and a scrape holds this
        // object's lock while it reads the control plane, so registering here could deadlock
        // against a scrape (lock order control -> metrics here, metrics -> control there).
        control.onConfigChange(c -> pairsStale = true);
    }

    /** Registers everything and serves it at {@code /metrics} on the admin listener. */
    public static DispatcherMetrics bind(Dispatcher dispatcher, AdminServer admin) {
        DispatcherMetrics metrics = new DispatcherMetrics(dispatcher);
        admin.addGetHandler("/metrics", request -> AdminReply.text(200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape()));
        return metrics;
    }

    /** One consistent read of the data plane per scrape, and the histogram fed off the hot path. */
    public synchronized String scrape() {
        if (pairsStale) {
            pairsStale = false;
            registerPairs();
        }
        refresh();
        return registry.scrape();
    }

    private void refresh() {
        DataPlaneView view = control.dataPlane();
        snapshot = view == null ? null : view.counters();
        status = control.status();
        HaNode node = control.haNode();
        ha = node == null ? null : node.snapshot();
        List<ForwardingWorker> workers = dispatcher.pipeline().workers();
        for (int w = 0; w < workers.size(); w++) {
            LatencySamples samples = workers.get(w).latency();
            long written = samples.written();
            long from = Math.max(latencyRead[w], written - samples.capacity());
            for (long i = from; i < written; i++) {
                latency.record(samples.sample(i), TimeUnit.NANOSECONDS);
            }
            latencyRead[w] = written;
        }
    }

    private double verdict(int v) {
        CounterSnapshot s = snapshot;
        return s == null ? 0 : s.verdicts()[v];
    }

    private double fromSnapshot(ToDoubleFunction<CounterSnapshot> f) {
        CounterSnapshot s = snapshot;
        return s == null ? 0 : f.applyAsDouble(s);
    }

    private ArpAgent arp() {
        return dispatcher.pipeline().workers().getFirst().arp();
    }

    private void counter(String name, String help, Tags tags, ToDoubleFunction<DispatcherMetrics> f) {
        FunctionCounter.builder(name, this, f).description(help).tags(tags).register(registry);
    }

    private void gauge(String name, String help, Tags tags, ToDoubleFunction<DispatcherMetrics> f) {
        Gauge.builder(name, this, f).description(help).tags(tags).register(registry);
    }

    private double fromHa(ToDoubleFunction<HaNode.Snapshot> f) {
        HaNode.Snapshot h = ha;
        return h == null ? 0 : f.applyAsDouble(h);
    }

    /** Present at 0 on a dispatcher without a partner, so every scrape has the same families. */
    private void registerHa() {
        gauge("dispatcher.ha.enabled", "1 when this dispatcher is one of a high-availability pair", Tags.empty(),
                m -> m.ha == null ? 0 : 1);
        for (Heartbeat.State state : Heartbeat.State.values()) {
            if (state == Heartbeat.State.STOPPING) {
                continue;
            }
            gauge("dispatcher.ha.state", "1 for the node's HA state (init, standby, active), else 0",
                    Tags.of("state", HaNode.name(state)), m -> m.fromHa(h -> h.state() == state ? 1 : 0));
        }
        for (int g = 0; g < HaGroups.MAX; g++) {
            int group = g;
            gauge("dispatcher.ha.serving", "1 while this node serves the cluster group (0: all clusters, or "
                    + "ha-owner primary in mutual HA; 1: ha-owner backup)", Tags.of("group", String.valueOf(g)),
                    m -> m.fromHa(h -> group < h.groups() && h.owns(group) ? 1 : 0));
        }
        gauge("dispatcher.ha.partner.alive", "1 while the partner's heartbeats arrive within dead-after",
                Tags.empty(), m -> m.fromHa(h -> h.partnerAlive() ? 1 : 0));
        for (HaStateMachine.Cause cause : HaStateMachine.Cause.values()) {
            counter("dispatcher.ha.transitions", "Cluster groups changing hands, by cause",
                    Tags.of("cause", cause.label()), m -> m.fromHa(h -> h.transitions().getOrDefault(cause, 0L)));
        }
        counter("dispatcher.ha.heartbeats.sent", "Heartbeats sent to the partner", Tags.empty(),
                m -> m.fromHa(HaNode.Snapshot::sent));
        counter("dispatcher.ha.heartbeats.received", "Heartbeats of the partner accepted", Tags.empty(),
                m -> m.fromHa(HaNode.Snapshot::accepted));
        for (HeartbeatCodec.Rejection why : HeartbeatCodec.Rejection.values()) {
            counter("dispatcher.ha.heartbeats.rejected", "Heartbeat messages refused, by reason",
                    Tags.of("reason", why.label()), m -> m.fromHa(h -> h.rejected().getOrDefault(why, 0L)));
        }
        counter("dispatcher.ha.sync.records.sent", "Flow records streamed to the partner", Tags.empty(),
                m -> m.control.syncOut() == null ? 0 : m.control.syncOut().recordsSent());
        counter("dispatcher.ha.sync.records.applied", "Flow records of the partner's stream applied here",
                Tags.empty(), m -> m.control.syncIn() == null ? 0 : m.control.syncIn().applied());
        gauge("dispatcher.ha.sync.lag.seconds", "Age of the partner's last sync frame on arrival; -1 before one",
                Tags.empty(), m -> m.control.syncIn() == null ? -1 : m.control.syncIn().lagMillis() / 1000.0);
        gauge("dispatcher.ha.sync.caught.up", "1 while this node holds the partner's flows (stream up, bulk copy done)",
                Tags.empty(), m -> m.fromHa(h -> h.caughtUp() ? 1 : 0));
        for (SyncFrames.Rejection why : SyncFrames.Rejection.values()) {
            counter("dispatcher.ha.sync.rejected", "Flow sync streams refused, by reason",
                    Tags.of("reason", why.label()),
                    m -> m.control.syncIn() == null ? 0 : m.control.syncIn().rejected().getOrDefault(why, 0L));
        }
    }

    private void registerGlobal() {
        counter("dispatcher.received.packets", "Frames received from the interface", Tags.empty(),
                m -> m.fromSnapshot(CounterSnapshot::received));
        counter("dispatcher.received.bytes", "Bytes of frames received (wire length)", Tags.empty(),
                m -> m.fromSnapshot(CounterSnapshot::receivedBytes));
        for (int v = 0; v < Verdict.COUNT; v++) {
            int verdict = v;
            if (Verdict.isDrop(v)) {
                counter("dispatcher.dropped.packets", "Frames dropped, by reason", Tags.of("reason", Verdict.name(v)),
                        m -> m.verdict(verdict));
            } else if (Verdict.isPass(v)) {
                counter("dispatcher.passed.packets", "Frames handled here or not ours, by reason",
                        Tags.of("reason", Verdict.name(v)), m -> m.verdict(verdict));
            }
        }
        gauge("dispatcher.flow.table.entries", "Flows in the flow table", Tags.empty(),
                m -> m.fromSnapshot(CounterSnapshot::flows));
        gauge("dispatcher.flow.table.capacity", "Capacity of the flow table", Tags.empty(),
                m -> m.fromSnapshot(CounterSnapshot::flowCapacity));
        String lookups = "Flow-table lookups: hit, miss_syn, miss_no_syn (state lost), rescheduled";
        counter("dispatcher.flow.lookups", lookups, Tags.of("result", "hit"),
                m -> m.fromSnapshot(CounterSnapshot::lookupHit));
        counter("dispatcher.flow.lookups", lookups, Tags.of("result", "miss_syn"),
                m -> m.fromSnapshot(CounterSnapshot::lookupMissSyn));
        counter("dispatcher.flow.lookups", lookups, Tags.of("result", "miss_no_syn"),
                m -> m.fromSnapshot(CounterSnapshot::lookupMissNoSyn));
        counter("dispatcher.flow.lookups", lookups, Tags.of("result", "rescheduled"),
                m -> m.fromSnapshot(CounterSnapshot::rescheduled));
        counter("dispatcher.flow.evictions", "Flows removed: expired, capacity", Tags.of("reason", "expired"),
                m -> m.fromSnapshot(CounterSnapshot::evictedExpired));
        counter("dispatcher.flow.evictions", "Flows removed: expired, capacity", Tags.of("reason", "capacity"),
                m -> m.fromSnapshot(CounterSnapshot::evictedCapacity));
        for (int state = 0; state <= FlowState.MAX; state++) {
            int victim = state;
            counter("dispatcher.flow.capacity.evictions",
                    "Live flows evicted to make room for new ones, by the victim's state",
                    Tags.of("state", FlowState.name(state)), m -> m.fromSnapshot(c -> c.evictedInState(victim)));
        }
        counter("dispatcher.flow.not.inserted",
                "New flows forwarded by the Maglev table without an entry, above flow-table.max-new-flows-per-second",
                Tags.empty(), m -> m.fromSnapshot(CounterSnapshot::notInserted));
        counter("dispatcher.arp.requests.answered", "ARP requests for a VIP answered", Tags.empty(),
                m -> m.arp() == null ? 0 : m.arp().requestsAnswered());
        counter("dispatcher.arp.gratuitous.sent", "Gratuitous ARPs sent for the VIPs", Tags.empty(),
                m -> m.arp() == null ? 0 : m.arp().gratuitousSent());
        counter("dispatcher.arp.requests.sent", "ARP requests sent to resolve real servers", Tags.empty(),
                m -> m.arp() == null ? 0 : m.arp().requestsSent());
        counter("dispatcher.arp.vip.conflicts",
                "ARP frames claiming a VIP from a MAC that is not ours (real server without hidden ARP, or a spoofer)",
                Tags.empty(), m -> m.arp() == null ? 0 : m.arp().conflicts());
        gauge("dispatcher.ring.capacity", "Slots of the pipeline ring (0 in inline and fanout mode)", Tags.empty(),
                m -> m.dispatcher.pipeline().ringCapacity());
        gauge("dispatcher.ring.occupancy", "Slots of the pipeline ring in use", Tags.empty(),
                m -> m.dispatcher.pipeline().ringOccupancy());
        counter("dispatcher.capture.kernel.drops", "Frames the kernel dropped before capture", Tags.empty(),
                m -> m.dispatcher.kernelDrops());
        counter("dispatcher.capture.checksum.not.ready",
                "Frames received with a partial checksum (checksum offload of a sender on this host or behind a veth)",
                Tags.empty(), m -> m.dispatcher.checksumNotReadyFrames());
        // The workers are fixed for the life of the pipeline: one series each, registered once.
        for (ForwardingWorker worker : dispatcher.pipeline().workers()) {
            counter("dispatcher.worker.frames",
                    "Frames handled by each forwarding worker (in fanout mode: "
                            + "how evenly the steering hash spreads flows)",
                    Tags.of("worker", worker.name()), m -> worker.frames());
        }
        counter("dispatcher.config.reloads", "Configuration reloads: success, failure", Tags.of("result", "success"),
                m -> m.control.reloadStats().successes());
        counter("dispatcher.config.reloads", "Configuration reloads: success, failure", Tags.of("result", "failure"),
                m -> m.control.reloadStats().failures());
        counter("dispatcher.flows.restored", "Flows this start took over from the last stop's snapshot", Tags.empty(),
                m -> m.control.restoreReport().restored());
        for (String reason : RESTORE_SKIPS) {
            counter("dispatcher.flow.restore.skipped", "Snapshots or saved flows a start did not restore",
                    Tags.of("reason", reason), m -> m.control.restoreReport().skipped().getOrDefault(reason, 0L));
        }
        gauge("dispatcher.flow.snapshot.age.seconds",
                "Age of the snapshot this start restored from when it was read; -1 when none was used", Tags.empty(),
                m -> {
                    long age = m.control.restoreReport().snapshotAgeMillis();
                    return age < 0 ? -1 : age / 1000.0;
                });
        gauge("dispatcher.config.last.reload.success.timestamp.seconds",
                "Time of the last successful configuration load (start or reload)", Tags.empty(),
                m -> m.control.reloadStats().lastSuccessEpochMs() / 1000.0);
        gauge("dispatcher.config.last.reload.successful", "1 when the last reload succeeded, else 0", Tags.empty(),
                m -> m.control.reloadStats().lastOk() ? 1 : 0);
        String version = DispatcherMetrics.class.getPackage().getImplementationVersion();
        gauge("dispatcher.build.info", "Always 1; the labels say what runs",
                Tags.of("version", version == null ? "development" : version, "java", Runtime.version().toString()),
                m -> 1);
    }

    private synchronized void registerPairs() {
        for (Meter meter : pairMeters) {
            registry.remove(meter);
        }
        pairMeters.clear();
        for (ControlPlane.PairInfo p : control.pairInfos()) {
            Tags tags = Tags.of("cluster", Ipv4.format(p.service().vip()), "port", String.valueOf(p.service().port()),
                    "protocol", p.service().protocol().configName(), "server", Ipv4.format(p.server()));
            int pair = p.pair();
            String server = Ipv4.format(p.server());
            String vip = Ipv4.format(p.service().vip());
            int port = p.service().port();
            String protocol = p.service().protocol().configName();
            pairMeters.add(FunctionCounter.builder("dispatcher.forwarded.packets", this, m -> m.perPair(pair, 1))
                    .description("Frames forwarded to a real server").tags(tags).register(registry));
            pairMeters.add(FunctionCounter.builder("dispatcher.forwarded.bytes", this, m -> m.perPair(pair, 2))
                    .description("Bytes forwarded to a real server").tags(tags).register(registry));
            pairMeters.add(FunctionCounter.builder("dispatcher.connections", this, m -> m.perPair(pair, 0))
                    .description("New flows scheduled to a real server").tags(tags).register(registry));
            pairMeters.add(Gauge.builder("dispatcher.active.connections", this, m -> m.perPair(pair, 3))
                    .description("Flows of a real server that have not closed").tags(tags).register(registry));
            pairMeters.add(Gauge.builder("dispatcher.server.weight", this,
                            m -> m.serverView(vip, port, protocol, server, v -> v.weight()))
                    .description("Weight in use (0 while down or draining)").tags(tags).register(registry));
            pairMeters.add(Gauge.builder("dispatcher.server.max.connections", this,
                            m -> m.serverView(vip, port, protocol, server, v -> v.maxConnections()))
                    .description("Connection limit (max-connections; 0 for none): at it, no new flows")
                    .tags(tags).register(registry));
            for (String state : STATES) {
                pairMeters.add(Gauge.builder("dispatcher.server.state", this,
                                m -> m.serverView(vip, port, protocol, server, v -> v.state().equals(state) ? 1 : 0))
                        .description("1 for the server's current state (up, down, drain, removed), else 0")
                        .tags(tags.and("state", state)).register(registry));
            }
            String key = p.advisorKey();
            pairMeters.add(FunctionCounter.builder("dispatcher.advisor.probes", this,
                            m -> m.health(key, h -> h.totalProbes()))
                    .description("Advisor probes run").tags(tags).register(registry));
            pairMeters.add(FunctionCounter.builder("dispatcher.advisor.failures", this,
                            m -> m.health(key, h -> h.totalFailures()))
                    .description("Advisor probes failed").tags(tags).register(registry));
            pairMeters.add(Gauge.builder("dispatcher.advisor.probe.duration", this,
                            m -> m.health(key, h -> h.lastDurationNanos() / 1e9))
                    .description("Duration of the last advisor probe").baseUnit("seconds").tags(tags)
                    .register(registry));
        }
    }

    private double perPair(int pair, int which) {
        DataPlaneView view = control.dataPlane();
        if (view == null) {
            return 0;
        }
        return switch (which) {
            case 0 -> view.newFlows(pair);
            case 1 -> view.forwardedPackets(pair);
            case 2 -> view.forwardedBytes(pair);
            default -> view.activeFlows(pair);
        };
    }

    private double serverView(String vip, int port, String protocol, String server,
                              ToDoubleFunction<StatusView.ServerView> f) {
        StatusView s = status;
        if (s == null) {
            return 0;
        }
        for (StatusView.ClusterView c : s.clusters()) {
            if (!c.vip().equals(vip)) {
                continue;
            }
            for (StatusView.PortView p : c.ports()) {
                if (p.port() == port && p.protocol().equals(protocol)) {
                    for (StatusView.ServerView v : p.servers()) {
                        if (v.address().equals(server)) {
                            return f.applyAsDouble(v);
                        }
                    }
                }
            }
        }
        return 0;
    }

    private double health(String key, ToDoubleFunction<TargetHealth> f) {
        HealthChecker advisors = dispatcher.advisors();
        return advisors.state(key).map(f::applyAsDouble).orElse(0.0);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
