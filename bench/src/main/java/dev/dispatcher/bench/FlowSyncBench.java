package dev.dispatcher.bench;

import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.control.ControlPlane;
import dev.dispatcher.control.DataPlaneFactory;
import dev.dispatcher.control.DataPlaneView;
import dev.dispatcher.control.ha.SharedKey;
import dev.dispatcher.control.sync.FlowSyncReceiver;
import dev.dispatcher.control.sync.FlowSyncSender;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.io.FrameHandler;
import dev.dispatcher.dataplane.io.PacketSink;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.dataplane.pipeline.Pipeline;
import dev.dispatcher.packet.PacketBuffer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Flow sync figures (issue 13): two dispatchers' data planes in one process, node A streaming its
 * flows to node B over TCP on loopback with the production sender and receiver.
 *
 * <pre>
 *   java -cp bench/target/benchmarks.jar dev.dispatcher.bench.FlowSyncBench [FLOWS] [RATE] [SECONDS]
 * </pre>
 *
 * <ol>
 *   <li>Bulk copy: A holds FLOWS (default 1,000,000) established flows; B connects; the time until B
 *       has applied all of them and says it is caught up, and the bytes per flow on the wire.</li>
 *   <li>Steady stream: A's worker forwards RATE (default 50,000) new connections a second (SYN
 *       frames from new client ports) for SECONDS (default 10); every 10 ms the backlog (flows A
 *       created that B has not applied yet) is sampled and turned into time at the offered rate:
 *       its median, 99th percentile and maximum are the sync lag.</li>
 * </ol>
 * Each node has one worker (inline); both share this machine's cores with the benchmark thread
 * that feeds A, so the figures are for the sync path under load, not for an idle pair.
 */
public final class FlowSyncBench {
    private static final String YAML = """
            interface: eth0
            clusters:
              - address: 198.18.0.100
                ports:
                  - port: 80
                    scheduler: maglev
                    servers:
                      - address: 198.18.0.11
                        mac: 02:00:00:00:00:11
                      - address: 198.18.0.12
                        mac: 02:00:00:00:00:12
                      - address: 198.18.0.13
                        mac: 02:00:00:00:00:13
            flow-table:
              capacity: %d
            io:
              backend: afpacket
            pipeline:
              mode: inline
            """;
    private static final SharedKey KEY = SharedKey.of("flow sync benchmark key");
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** Frames the benchmark hands to a node's one worker. */
    private static final class FeedSource implements PacketSource {
        final ConcurrentLinkedQueue<byte[]> frames = new ConcurrentLinkedQueue<>();

        @Override
        public int poll(FrameHandler handler, int maxFrames) {
            int n = 0;
            byte[] f;
            while (n < maxFrames && (f = frames.poll()) != null) {
                handler.onFrame(PacketBuffer.ofArray(f), f.length, System.nanoTime());
                n++;
            }
            if (n == 0) {
                LockSupport.parkNanos(100_000);
            }
            return n;
        }

        @Override
        public long nowNanos() {
            return System.nanoTime();
        }

        @Override
        public void close() {
        }
    }

    private static final class Discard implements PacketSink {
        @Override
        public boolean send(PacketBuffer frame) {
            return true;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private record Node(ControlPlane control, Pipeline pipeline, DataPlaneView view, FeedSource source) {
        static Node start(DispatcherConfig config) {
            ControlPlane control = new ControlPlane(config, "eth0", 0x020000000002L, Ipv4.parse("198.18.0.2"), 1500);
            NeighbourTable neighbours = DataPlaneFactory.neighbours();
            FeedSource source = new FeedSource();
            Pipeline pipeline = DataPlaneFactory.build(config, config.pipeline().mode(), control.tables(), neighbours,
                    DataPlaneFactory.arpTimings(config).passive(), source, inline -> new Discard(), 1 << 16);
            DataPlaneView view = new DataPlaneView(pipeline, neighbours);
            control.attach(view, "inline");
            pipeline.start();
            return new Node(control, pipeline, view, source);
        }

        long flows() {
            return view.counters().flows();
        }

        void stop() throws InterruptedException {
            pipeline.stop();
            pipeline.awaitTermination();
        }
    }

    private FlowSyncBench() {
    }

    public static void main(String[] args) throws Exception {
        int flows = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Path file = Files.createTempFile("flowsync", ".yaml");
        Files.writeString(file, YAML.formatted(Math.max(2 * flows, 1 << 20) + rate * seconds * 2));
        DispatcherConfig config = ConfigLoader.load(file);
        Files.delete(file);
        Node a = Node.start(config);
        Node b = Node.start(config);
        try {
            fill(a, flows);
            FlowSyncReceiver in = new FlowSyncReceiver(new InetSocketAddress(LOOPBACK, 0), LOOPBACK, KEY, b.view(),
                    b.control().tables(), b.control()::pairsByFingerprint);
            in.bind();
            in.start();
            FlowSyncSender out = new FlowSyncSender(new InetSocketAddress(LOOPBACK, 0),
                    new InetSocketAddress(LOOPBACK, in.port()), KEY, a.view(), a.control().tables(),
                    a.control()::fingerprintsByPair, 3_600_000_000_000L);
            long began = System.nanoTime();
            out.start();
            long deadline = began + 300_000_000_000L;
            while (!(in.caughtUp() && in.applied() >= flows)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("B applied " + in.applied() + " of " + flows + " after 300 s");
                }
                Thread.sleep(1);
            }
            double bulkSeconds = (System.nanoTime() - began) / 1e9;
            long bulkBytes = out.bytesSent();
            System.out.printf("bulk copy: %,d flows in %.2f s (%,.0f flows/s), %.1f bytes per flow on the wire%n",
                    flows, bulkSeconds, flows / bulkSeconds, (double) bulkBytes / flows);
            steady(a, in, flows, rate, seconds);
            out.close();
            in.close();
        } finally {
            a.stop();
            b.stop();
        }
    }

    /** FLOWS established flows handed to A's worker, as a restart would. */
    private static void fill(Node a, int flows) throws InterruptedException {
        ForwardingTable table = a.control().tables().get();
        int service = table.service(Ipv4.parse("198.18.0.100"), 80, 6);
        int[] pairs = table.servicePairs(service);
        FlowKey key = new FlowKey();
        for (int i = 0; i < flows; i++) {
            key.ipv4(0xC6130000 | (i >>> 15), 0xC6120064, 1024 + (i & 0x7FFF), 80, 6);
            while (!a.view().handOver(key, pairs[i % pairs.length], FlowState.TCP_ESTABLISHED, 600_000_000_000L)) {
                Thread.sleep(1);
            }
        }
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (a.flows() < flows) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("A holds " + a.flows() + " of " + flows + " flows after 120 s");
            }
            Thread.sleep(5);
        }
        System.out.printf("node A holds %,d flows%n", a.flows());
    }

    /** RATE new connections a second on A for SECONDS; the backlog B has not applied, sampled every 10 ms. */
    private static void steady(Node a, FlowSyncReceiver in, int bulk, int rate, int seconds) throws Exception {
        long appliedBefore = in.applied();
        long forwardedBefore = a.view().counters().verdicts()[Verdict.FORWARDED];
        long period = 1_000_000_000L / rate;
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long next = start;
        long nextSample = start + 1_000_000_000L;
        int sent = 0;
        List<Double> lagMs = new ArrayList<>();
        while (System.nanoTime() - end < 0) {
            long now = System.nanoTime();
            while (next - now <= 0) {
                byte[] f = new byte[TcpFrames.LENGTH];
                TcpFrames.write(f, 0, 0xC6140000 | (sent >>> 15), 1024 + (sent & 0x7FFF), true);
                a.source().frames.add(f);
                sent++;
                next += period;
            }
            if (now - nextSample >= 0) {
                // The first second warms up; then the backlog in time at the offered rate.
                long created = a.view().counters().verdicts()[Verdict.FORWARDED] - forwardedBefore;
                long applied = in.applied() - appliedBefore;
                lagMs.add(Math.max(0, created - applied) * 1000.0 / rate);
                nextSample = now + 10_000_000L;
            }
            LockSupport.parkNanos(Math.min(period, 200_000));
        }
        long created = a.view().counters().verdicts()[Verdict.FORWARDED] - forwardedBefore;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (in.applied() - appliedBefore < created && System.nanoTime() - deadline < 0) {
            Thread.sleep(1);
        }
        double[] sorted = lagMs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        System.out.printf("steady stream: %,d new flows/s offered, %,d forwarded by A, %,d applied by B; "
                        + "lag median %.1f ms, p99 %.1f ms, max %.1f ms over %d samples%n",
                rate, created, in.applied() - appliedBefore, quantile(sorted, 0.5), quantile(sorted, 0.99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1], sorted.length);
        System.out.println("(bulk flows " + bulk + "; samples " + Arrays.toString(Arrays.copyOf(sorted,
                Math.min(5, sorted.length))) + "...)");
    }

    private static double quantile(double[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
    }
}
