package dev.dispatcher.control;

import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.HaConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.control.ha.HaNode;
import dev.dispatcher.control.ha.SharedKey;
import dev.dispatcher.control.sync.FlowSyncReceiver;
import dev.dispatcher.control.sync.FlowSyncSender;
import dev.dispatcher.dataplane.arp.ArpAgent;
import dev.dispatcher.dataplane.arp.ArpTimings;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.io.PacketIoBackend;
import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.dataplane.pipeline.ForwardingWorker;
import dev.dispatcher.dataplane.pipeline.Pipeline;
import dev.dispatcher.health.HealthChecker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running dispatcher on a live interface, its lifecycle: opens the backend
 * ({@link BackendFactory}) and builds the pipeline, starts the data plane and the advisors, keeps
 * the backend's filters and the advisors following the configuration, watches the counters
 * ({@link CounterWatch}) and stops cleanly on request. The admin API is the command's business,
 * not this class's: it serves the {@link ControlPlane} this exposes.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final InterfaceInfo nic;
    private final ControlPlane control;
    private final NeighbourTable neighbours;
    private final PacketIoBackend backend;
    private final Pipeline pipeline;
    /** Every source the pipeline polls: one, or in fanout mode one per worker. */
    private final List<PacketSource> sources;
    private final PipelineMode mode;
    private final int snaplen;
    private final HealthChecker advisors;
    /** The HA pair's node, or null for a lone dispatcher. */
    private final HaNode ha;
    private final ExecutorService advisorUpdates = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("dispatcher-advisor-plan").daemon().factory());
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean pipelineStarted;
    private volatile boolean stopping;

    private Dispatcher(InterfaceInfo nic, ControlPlane control, NeighbourTable neighbours, PacketIoBackend backend,
                       List<PacketSource> sources, Pipeline pipeline, PipelineMode mode, int snaplen, HaNode ha) {
        this.nic = nic;
        this.ha = ha;
        this.control = control;
        this.neighbours = neighbours;
        this.backend = backend;
        this.sources = List.copyOf(sources);
        this.pipeline = pipeline;
        this.mode = mode;
        this.snaplen = snaplen;
        // Advisors report transitions only; the control plane recompiles the table on each.
        this.advisors = new HealthChecker((target, up, reason) -> control.onHealth(target.key(), up, reason));
        // Re-planned off the control plane's lock, in order: replace() may wait for a listener call
        // that itself waits for that lock.
        control.onConfigChange(c -> advisorUpdates.execute(() -> {
            try {
                advisors.replace(AdvisorPlan.checks(c));
            } catch (IllegalArgumentException | IllegalStateException e) {
                LOG.error("advisors not updated: {}", e.getMessage());
            }
        }));
        // A change that adds a VIP must also let its frames through the kernel's filters.
        control.onConfigChange(c -> {
            try {
                backend.followVips(BackendFactory.vipsOf(c));
            } catch (PacketIoException e) {
                LOG.error("capture filter not updated for the new VIPs: {}", e.getMessage());
            }
        });
    }

    /** Opens everything; nothing is started if any step fails. */
    public static Dispatcher open(DispatcherConfig config) throws InterfaceInfo.InterfaceException, PacketIoException {
        InterfaceInfo nic = InterfaceInfo.read(config.interfaceName());
        List<String> unfit = HostPreflight.errors(config, nic.mac());
        if (!unfit.isEmpty()) {
            throw new InterfaceInfo.InterfaceException(String.join("; ", unfit));
        }
        HostPreflight.warnings().forEach(LOG::warn);
        ControlPlane control = new ControlPlane(config, nic.name(), nic.mac(), nic.ipv4(), nic.mtu());
        PacketIoBackend backend = BackendFactory.open(config, nic);
        try {
            NeighbourTable neighbours = DataPlaneFactory.neighbours();
            ArpTimings timings = DataPlaneFactory.arpTimings(config);
            PipelineMode mode = config.pipeline().mode().resolve(Runtime.getRuntime().availableProcessors());
            // Read first: each worker's inbox must hold its share of the restored flows.
            FlowRestore restore = FlowRestore.load(config, control, DataPlaneFactory.workerCount(config, mode),
                    System.currentTimeMillis());
            int inbox = restore.inboxCapacity();
            List<PacketSource> sources = new ArrayList<>();
            Pipeline pipeline;
            if (mode == PipelineMode.FANOUT) {
                List<PacketSink> sinks = new ArrayList<>();
                for (PacketIoBackend.WorkerIo io : backend.openFanout(config.pipeline().workers())) {
                    sources.add(io.source());
                    sinks.add(io.sink());
                }
                pipeline = DataPlaneFactory.buildFanout(config, control.tables(), neighbours, timings, sources, sinks,
                        inbox);
            } else {
                PacketSource source = backend.openSource();
                sources.add(source);
                pipeline = DataPlaneFactory.build(config, mode, control.tables(), neighbours, timings, source,
                        backend::openSink, inbox);
            }
            DataPlaneView view = new DataPlaneView(pipeline, neighbours);
            control.attach(view, mode.configName());
            // Into the inboxes now; every worker takes them all before its first frame.
            restore.handOver(view);
            control.restored(restore.report());
            HaNode ha = config.ha().isPresent() ? haNode(config, nic, control, pipeline, view) : null;
            return new Dispatcher(nic, control, neighbours, backend, sources, pipeline, mode, config.io().snaplen(),
                    ha);
        } catch (PacketIoException | InterfaceInfo.InterfaceException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** The HA node, its key read and its socket bound: a pair member that cannot hear its partner does not start. */
    private static HaNode haNode(DispatcherConfig dispatcherConfig, InterfaceInfo nic, ControlPlane control,
                                 Pipeline pipeline, DataPlaneView view) throws InterfaceInfo.InterfaceException {
        HaConfig config = dispatcherConfig.ha().orElseThrow();
        if (nic.ipv4() == 0) {
            throw new InterfaceInfo.InterfaceException(nic.name() + " has no IPv4 address: ha needs one to send "
                    + "heartbeats to the partner (ha.peer " + Ipv4.format(config.peer()) + ")");
        }
        if (nic.ipv4() == config.peer()) {
            throw new InterfaceInfo.InterfaceException("ha.peer " + Ipv4.format(config.peer()) + " is this host's own "
                    + "address on " + nic.name() + "; it must be the partner's");
        }
        SharedKey key;
        try {
            key = SharedKey.read(config.keyFile());
        } catch (IOException | IllegalArgumentException e) {
            throw new InterfaceInfo.InterfaceException("ha.key-file: " + e.getMessage());
        }
        long interval = config.heartbeatInterval().toNanos();
        ArpAgent arp = pipeline.workers().getFirst().arp();
        InetSocketAddress local = new InetSocketAddress(Ipv4.toInetAddress(nic.ipv4()), config.listenPort());
        InetSocketAddress peer = new InetSocketAddress(Ipv4.toInetAddress(config.peer()), config.listenPort());
        FlowSyncReceiver syncIn = new FlowSyncReceiver(local, peer.getAddress(), key, view, control.tables(),
                control::pairsByFingerprint);
        // Long-lived flows see no event while they last: told again every third of the shorter of the
        // two long timeouts, so the partner's copies never expire before the originals.
        long refresh = Math.min(dispatcherConfig.flowTable().tcpEstablishedTimeout().toNanos(),
                dispatcherConfig.flowTable().udpTimeout().toNanos()) / 3;
        FlowSyncSender syncOut = new FlowSyncSender(local, peer, key, view, control.tables(),
                control::fingerprintsByPair, refresh);
        HaNode node = new HaNode(config, key, nic.ipv4(), nic.mac(), new HaNode.Host() {
            @Override
            public void serve(int groups, long partnerMac, long announceGeneration) {
                control.serve(new HaOwnership(config.role(), groups, partnerMac, interval, announceGeneration));
            }

            @Override
            public long partnerSeen(int group) {
                return arp == null ? 0 : arp.partnerSeen(group);
            }

            @Override
            public boolean caughtUp() {
                return syncIn.caughtUp();
            }

            @Override
            public long syncPosition() {
                return syncIn.applied();
            }

            @Override
            public long forwardedFrames() {
                return CounterSnapshot.of(pipeline).verdicts()[Verdict.FORWARDED];
            }
        });
        try {
            node.bind();
            syncIn.bind();
        } catch (IOException e) {
            node.close();
            syncIn.close();
            throw new InterfaceInfo.InterfaceException(e.getMessage());
        }
        control.attachHa(node, syncIn, syncOut);
        return node;
    }

    public ControlPlane control() {
        return control;
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    public HealthChecker advisors() {
        return advisors;
    }

    /** Frames the kernel dropped before capture, summed over every socket the pipeline reads. */
    public long kernelDrops() {
        long sum = 0;
        for (PacketSource source : sources) {
            sum += source.kernelDrops();
        }
        return sum;
    }

    /** Frames flagged TP_STATUS_CSUMNOTREADY (a partial checksum), summed over every socket read. */
    public long checksumNotReadyFrames() {
        long sum = 0;
        for (PacketSource source : sources) {
            sum += source.checksumNotReadyFrames();
        }
        return sum;
    }

    /** Starts the data plane and the advisors. */
    public void start() {
        ForwardingTable table = control.tables().get();
        LOG.info("dispatcher on {} (MAC {}, {} , MTU {}), {} mode with {} worker(s), backend {}",
                nic.name(), MacAddress.format(nic.mac()),
                nic.ipv4() == 0 ? "no IPv4 address" : "IPv4 " + Ipv4.format(nic.ipv4()),
                nic.mtu(), mode.name().toLowerCase(Locale.ROOT), pipeline.workers().size(), backend.description());
        for (int v = 0; v < table.vipCount(); v++) {
            LOG.info("answering ARP for VIP {}", Ipv4.format(table.vip(v)));
        }
        for (int s = 0; s < table.serviceCount(); s++) {
            LOG.info("service {}:{}/{} -> {} server(s)", Ipv4.format(table.serviceVip(s)), table.servicePort(s),
                    table.serviceProtocol(s) == 6 ? "tcp" : "udp", table.serviceServers(s).length);
        }
        pipeline.start();
        pipelineStarted = true;
        if (ha != null) {
            control.syncIn().start();
            control.syncOut().start();
            ha.start();
        }
        // The workers hold the restored flows now. A snapshot left behind would be restored again
        // after a crash (no new snapshot then), putting flows back where they were one start ago.
        FlowSnapshot.discard(control.config().stateDir().resolve(FlowSnapshot.FILE_NAME));
        advisors.start(AdvisorPlan.checks(control.config()));
    }

    /**
     * Watches the data plane until {@link #stop}: MAC changes of real servers are logged within a
     * second, counter-based warnings at most once per {@code interval}. Returns false when the
     * data plane ended on its own (its source failed): the dispatcher has stopped, and says why.
     */
    public boolean monitorUntilStopped(Duration interval) throws InterruptedException {
        CounterWatch watch = new CounterWatch(control, neighbours, pipeline, sources, nic.name(), snaplen);
        long tickMillis = Math.min(1000, interval.toMillis());
        long nextReport = System.nanoTime() + interval.toNanos();
        while (!stopped.await(tickMillis, TimeUnit.MILLISECONDS)) {
            if (pipelineStarted && !stopping && pipeline.ended()) {
                // A capture handle that failed ends its pipeline; forwarding nothing while the
                // process looks alive would be worse than stopping for the supervisor to restart.
                String why = sources.stream().map(PacketSource::failure).filter(f -> f != null).findFirst()
                        .orElse("the forwarding threads ended");
                LOG.error("the data plane stopped on its own: {}; stopping", why);
                stop();
                return false;
            }
            control.tick();
            boolean periodic = System.nanoTime() - nextReport >= 0;
            watch.report(periodic);
            if (periodic) {
                nextReport = System.nanoTime() + interval.toNanos();
            }
        }
        return true;
    }

    public void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        if (ha != null) {
            // First: the partner takes over on the STOPPING heartbeats while this data plane still forwards.
            ha.close();
            control.syncOut().close();
            control.syncIn().close();
        }
        advisorUpdates.shutdownNow();
        advisors.close();
        if (pipelineStarted) {
            pipeline.stop();
            try {
                pipeline.awaitTermination();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        saveFlows();
        CounterSnapshot snapshot = counters();
        LOG.info("stopped: received {}, forwarded {}, passed {}, dropped {}, kernel drops {}\n{}", snapshot.received(),
                snapshot.verdicts()[Verdict.FORWARDED], snapshot.passed(), snapshot.dropped(), kernelDrops(),
                snapshot.verdictSummary());
        if (pipeline.workers().size() > 1) {
            StringBuilder perWorker = new StringBuilder();
            for (ForwardingWorker worker : pipeline.workers()) {
                long received = 0;
                for (long v : worker.forwarder().counters().verdicts()) {
                    received += v;
                }
                perWorker.append(perWorker.isEmpty() ? "" : ", ").append(worker.name()).append(' ').append(received);
            }
            LOG.info("received by worker: {}", perWorker);
        }
        backend.close();
        stopped.countDown();
    }

    /**
     * Saves the flow table for the next start, once the workers have stopped (joined: their tables
     * are safe to read). A failure is logged: the next start is then a clean one.
     */
    private void saveFlows() {
        if (!pipelineStarted) {
            return;
        }
        long started = System.nanoTime();
        DispatcherConfig config = control.config();
        Path file = config.stateDir().resolve(FlowSnapshot.FILE_NAME);
        Map<Integer, Long> fingerprints = control.fingerprintsByPair();
        long now = System.nanoTime();
        int[] count = {0};
        for (ForwardingWorker worker : pipeline.workers()) {
            worker.forwarder().flows().forEachLive(now, (sh, sl, dh, dl, ports, pair, state, left) -> {
                if (fingerprints.containsKey(pair)) {
                    count[0]++;
                }
            });
        }
        try {
            FlowSnapshot.write(file, System.currentTimeMillis(), count[0], sink -> {
                for (ForwardingWorker worker : pipeline.workers()) {
                    worker.forwarder().flows().forEachLive(now, (sh, sl, dh, dl, ports, pair, state, left) -> {
                        Long fingerprint = fingerprints.get(pair);
                        if (fingerprint != null) {
                            sink.accept(new FlowSnapshot.Entry(fingerprint, sh, sl, dh, dl, ports, state, left));
                        }
                    });
                }
            });
            LOG.info("saved {} flows to {} in {} ms", count[0], file, (System.nanoTime() - started) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            LOG.error("flows not saved to {}: {}; the next start begins with an empty flow table", file,
                    e.getMessage());
        }
    }

    @Override
    public void close() {
        stop();
    }

    public CounterSnapshot counters() {
        return CounterSnapshot.of(pipeline);
    }
}
