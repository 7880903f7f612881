package dev.dispatcher.control;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.config.RxRing;
import dev.dispatcher.dataplane.arp.ArpAgent;
import dev.dispatcher.dataplane.arp.ArpTimings;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.dataplane.io.PacketIoBackend;
import dev.dispatcher.dataplane.io.afpacket.AfPacketBackend;
import dev.dispatcher.dataplane.io.afpacket.ClassicBpf;
import dev.dispatcher.dataplane.io.afpacket.TpacketVersion;
import dev.dispatcher.dataplane.io.pcap4j.PcapLiveBackend;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.dataplane.pipeline.FanoutPipeline;
import dev.dispatcher.dataplane.pipeline.ForwardingWorker;
import dev.dispatcher.dataplane.pipeline.Pipeline;
import dev.dispatcher.admin.AdminServer;
import dev.dispatcher.health.HealthChecker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running dispatcher on a live interface: opens the backend, starts the pipeline, watches the
 * counters and logs what they reveal (real servers resolved or lost, ARP conflicts, frames that
 * point at a misconfigured sender), and stops cleanly on request.
 */
public final class Dispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final DispatcherConfig config;
    private final InterfaceInfo nic;
    private final ControlPlane control;
    private final NeighbourTable neighbours;
    private final PacketIoBackend backend;
    private final Pipeline pipeline;
    /** Every source the pipeline polls: one, or in fanout mode one per worker. */
    private final List<PacketSource> sources;
    private final PipelineMode mode;
    private final HealthChecker advisors;
    private AdminServer admin;
    private volatile boolean pipelineStarted;
    private final java.util.concurrent.ExecutorService advisorUpdates = java.util.concurrent.Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("dispatcher-advisor-plan").daemon().factory());
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopping;

    private Dispatcher(DispatcherConfig config, InterfaceInfo nic, ControlPlane control, NeighbourTable neighbours,
                       PacketIoBackend backend, List<PacketSource> sources, Pipeline pipeline, PipelineMode mode) {
        this.config = config;
        this.nic = nic;
        this.control = control;
        this.neighbours = neighbours;
        this.backend = backend;
        this.sources = List.copyOf(sources);
        this.pipeline = pipeline;
        this.mode = mode;
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
        PacketIoBackend backend = openBackend(config, nic);
        try {
            NeighbourTable neighbours = DataPlaneFactory.neighbours();
            ArpTimings timings = DataPlaneFactory.arpTimings(config);
            PipelineMode mode = config.pipeline().mode().resolve(Runtime.getRuntime().availableProcessors());
            List<PacketSource> sources;
            Pipeline pipeline;
            if (mode == PipelineMode.FANOUT) {
                // The loader allows fanout only with afpacket.
                FanoutPipeline fanout = openFanout(config, (AfPacketBackend) backend, nic, control, neighbours, timings);
                sources = fanout.sources();
                pipeline = fanout;
            } else {
                PacketSource source = backend.openSource();
                sources = List.of(source);
                pipeline = DataPlaneFactory.build(config, mode, control.tables(), neighbours, timings, source,
                        backend::openSink);
            }
            control.attach(new DataPlaneView(pipeline, neighbours), mode.configName());
            // A reload that adds a VIP must also let its frames through the kernel's filter.
            control.onConfigChange(c -> {
                try {
                    applyFilter(backend, c, nic);
                } catch (PacketIoException e) {
                    LOG.error("capture filter not updated for the new VIPs: {}", e.getMessage());
                }
            });
            return new Dispatcher(config, nic, control, neighbours, backend, sources, pipeline, mode);
        } catch (PacketIoException | RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /**
     * Fanout mode: a PACKET_FANOUT_CBPF group of one socket per worker (VIPs only), and the ARP
     * socket outside it, read by worker 0 beside its member: every ARP frame reaches the one worker
     * that owns the ARP agent, whichever member the kernel's hash would have picked.
     */
    private static FanoutPipeline openFanout(DispatcherConfig config, AfPacketBackend backend, InterfaceInfo nic,
                                             ControlPlane control, NeighbourTable neighbours, ArpTimings timings)
            throws PacketIoException {
        List<AfPacketBackend.FanoutMember> group = backend.openFanout(config.pipeline().workers(),
                ClassicBpf.captureFilter(vipsOf(config), nic.mac(), config.io().snaplen(), ClassicBpf.Capture.VIPS));
        AfPacketBackend.RingSource arp = backend.openArpSource(
                ClassicBpf.captureFilter(vipsOf(config), nic.mac(), config.io().snaplen(), ClassicBpf.Capture.ARP));
        List<PacketSource> sources = new ArrayList<>();
        List<PacketSink> sinks = new ArrayList<>();
        for (AfPacketBackend.FanoutMember member : group) {
            sources.add(sources.isEmpty() ? AfPacketBackend.withArp(member.source(), arp) : member.source());
            sinks.add(member.sink());
        }
        return DataPlaneFactory.buildFanout(config, control.tables(), neighbours, timings, sources, sinks);
    }

    /** Replaces the capture filter (ARP and the VIPs of {@code config}) on a running backend. */
    private static void applyFilter(PacketIoBackend backend, DispatcherConfig config, InterfaceInfo nic)
            throws PacketIoException {
        if (backend instanceof AfPacketBackend rings) {
            // Each call replaces the filter of the sockets that are open: the capture socket, or in
            // fanout mode the group's members (VIPs) and the ARP socket.
            int[] vips = vipsOf(config);
            int snaplen = config.io().snaplen();
            rings.updateFilter(ClassicBpf.captureFilter(vips, nic.mac(), snaplen));
            rings.updateFanoutFilter(ClassicBpf.captureFilter(vips, nic.mac(), snaplen, ClassicBpf.Capture.VIPS));
            rings.updateArpFilter(ClassicBpf.captureFilter(vips, nic.mac(), snaplen, ClassicBpf.Capture.ARP));
        } else if (backend instanceof PcapLiveBackend pcap) {
            pcap.updateFilter(CaptureFilter.forVips(vipsOf(config), nic.mac()));
        }
    }

    /**
     * Opens the backend that {@code io.backend} names, with a capture filter for ARP and the VIPs;
     * both filters follow reloads (see {@link #applyFilter}). Public for the backend contract
     * test, which opens the live backends exactly as {@code run} does.
     */
    public static PacketIoBackend openBackend(DispatcherConfig config, InterfaceInfo nic)
            throws PacketIoException {
        int pollMillis = (int) Math.max(1, config.io().pollTimeout().toMillis());
        switch (config.io().backend()) {
            case AFPACKET -> {
                boolean blocks = config.io().rxRing() == RxRing.BLOCKS;
                AfPacketBackend backend = new AfPacketBackend(nic.name(), config.io().snaplen(), config.io().bufferBytes(),
                        pollMillis, ClassicBpf.captureFilter(vipsOf(config), nic.mac(), config.io().snaplen()),
                        blocks ? TpacketVersion.V3 : TpacketVersion.V2, (int) config.io().rxBlockTimeout().toMillis(),
                        config.io().busyPoll().toNanos());
                if (config.pipeline().mode() != PipelineMode.FANOUT) {
                    // Fanout mode opens a group and an ARP socket instead (see openFanout); a
                    // capture socket nobody reads would only fill its ring.
                    backend.open();
                }
                return backend;
            }
            case PCAP4J -> {
                PcapLiveBackend backend = new PcapLiveBackend(nic.name(), config.io().snaplen(), config.io().bufferBytes(),
                        pollMillis, CaptureFilter.forVips(vipsOf(config), nic.mac()));
                backend.open();
                return backend;
            }
            default -> throw new IllegalStateException("unknown backend " + config.io().backend());
        }
    }

    private static int[] vipsOf(DispatcherConfig config) {
        return config.clusters().stream().mapToInt(ClusterConfig::address).distinct().toArray();
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

    /** The admin API once {@link #start} ran, else null. */
    public AdminServer admin() {
        return admin;
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

    /** Starts the admin API, then the data plane and the advisors; nothing runs if the API cannot listen. */
    public void start() throws java.io.IOException {
        admin = new AdminServer(control, config.admin());
        LOG.info("admin API on {}:{} (changes need the token in {})", config.admin().host(), admin.port(),
                config.admin().tokenFile());
        ForwardingTable table = control.tables().get();
        LOG.info("dispatcher on {} (MAC {}, {} , MTU {}), {} mode with {} worker(s), backend {}",
                nic.name(), MacAddress.format(nic.mac()), nic.ipv4() == 0 ? "no IPv4 address" : "IPv4 " + Ipv4.format(nic.ipv4()),
                nic.mtu(), mode.name().toLowerCase(java.util.Locale.ROOT), pipeline.workers().size(), backend.description());
        for (int v = 0; v < table.vipCount(); v++) {
            LOG.info("answering ARP for VIP {}", Ipv4.format(table.vip(v)));
        }
        for (int s = 0; s < table.serviceCount(); s++) {
            LOG.info("service {}:{}/{} -> {} server(s)", Ipv4.format(table.serviceVip(s)), table.servicePort(s),
                    table.serviceProtocol(s) == 6 ? "tcp" : "udp", table.serviceServers(s).length);
        }
        pipeline.start();
        pipelineStarted = true;
        advisors.start(AdvisorPlan.checks(control.config()));
    }

    /**
     * Watches the data plane until {@link #stop}: MAC changes of real servers are logged within a
     * second, counter-based warnings at most once per {@code interval}.
     */
    public void monitorUntilStopped(Duration interval) throws InterruptedException {
        CounterWatch watch = new CounterWatch();
        long tickMillis = Math.min(1000, interval.toMillis());
        long nextReport = System.nanoTime() + interval.toNanos();
        while (!stopped.await(tickMillis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            control.tick();
            boolean periodic = System.nanoTime() - nextReport >= 0;
            watch.report(periodic);
            if (periodic) {
                nextReport = System.nanoTime() + interval.toNanos();
            }
        }
    }

    public void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        if (admin != null) {
            admin.close();
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

    @Override
    public void close() {
        stop();
    }

    public CounterSnapshot counters() {
        return CounterSnapshot.of(pipeline);
    }

    /** Logs transitions only, never a line per packet. */
    private final class CounterWatch {
        private final long[] lastMacs = new long[ForwardingTable.MAX_SERVERS];
        private long lastChecksum;
        private long lastChecksumNotReady;
        private long lastOversize;
        private long lastTruncated;
        private long lastConflicts;
        private long lastNoServer;

        void report(boolean periodic) {
            ForwardingTable table = control.tables().get();
            for (int s = 0; s < table.serverCount(); s++) {
                if (!table.serverPresent(s)) {
                    continue;
                }
                long mac = neighbours.mac(s);
                if (mac != lastMacs[s]) {
                    if (mac == NeighbourTable.UNKNOWN) {
                        LOG.warn("real server {}: MAC no longer confirmed by ARP; no new flows until it answers",
                                Ipv4.format(table.serverIp(s)));
                    } else {
                        LOG.info("real server {} is at {}{}", Ipv4.format(table.serverIp(s)), MacAddress.format(mac),
                                neighbours.isStatic(s) ? " (static)" : " (ARP)");
                    }
                    lastMacs[s] = mac;
                } else if (mac == NeighbourTable.UNKNOWN && periodic) {
                    LOG.warn("real server {}: no ARP reply yet on {}; it gets no flows until resolved",
                            Ipv4.format(table.serverIp(s)), nic.name());
                }
            }
            if (!periodic) {
                return;
            }
            CounterSnapshot c = counters();
            long checksum = c.verdicts()[Verdict.BAD_CHECKSUM];
            if (checksum > lastChecksum) {
                LOG.warn("{} new flows dropped with a bad TCP/UDP checksum: a sender with checksum offload on a "
                        + "virtual link (veth, VM)? turn it off there: ethtool -K <iface> tx off tso off gso off",
                        checksum - lastChecksum);
                lastChecksum = checksum;
            }
            // The afpacket sources count frames the kernel flags TP_STATUS_CSUMNOTREADY (plain
            // counters of the receiving threads, read here like the workers' counters).
            long notReady = checksumNotReadyFrames();
            if (notReady > lastChecksumNotReady) {
                LOG.warn("{} frames received with a partial checksum (checksum offload of a sender on this host or "
                        + "behind a veth): forwarded as they are, the receiver drops them; turn it off at the sender: "
                        + "ethtool -K <iface> tx off tso off gso off", notReady - lastChecksumNotReady);
                lastChecksumNotReady = notReady;
            }
            long oversize = c.verdicts()[Verdict.OVERSIZE];
            long truncated = c.verdicts()[Verdict.CAPTURE_TRUNCATED];
            if (oversize > lastOversize || truncated > lastTruncated) {
                LOG.warn("{} frames larger than the MTU or than the capture ({} bytes): GRO/LRO on {} or TSO/GSO on a "
                        + "local sender; run: ethtool -K {} gro off lro off (and tso/gso off on the sender)",
                        (oversize - lastOversize) + (truncated - lastTruncated), config.io().snaplen(), nic.name(), nic.name());
                lastOversize = oversize;
                lastTruncated = truncated;
            }
            ArpAgent arp = pipeline.workers().getFirst().arp();
            ArpAgent.Conflict conflict = arp == null ? null : arp.lastConflict();
            if (conflict != null && conflict.count() > lastConflicts) {
                LOG.error("ARP conflict: {} claims VIP {} ({} frames): a real server without hidden ARP "
                                + "(run realserver-setup check on it) or a spoofer",
                        MacAddress.format(conflict.mac()), Ipv4.format(conflict.vip()), conflict.count() - lastConflicts);
                lastConflicts = conflict.count();
            }
            long noServer = c.verdicts()[Verdict.NO_SERVER];
            if (noServer > lastNoServer) {
                LOG.warn("{} packets dropped: no eligible real server (all weights 0 or no MAC known)", noServer - lastNoServer);
                lastNoServer = noServer;
            }
        }
    }
}
