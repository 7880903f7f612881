package dev.dispatcher.control.ha;

import dev.dispatcher.config.Ipv4;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pings the reach targets ({@code ha.reach-targets}) once a round and reports how many answered.
 * ICMP echo through {@link java.net.InetAddress#isReachable}, which uses a raw ICMP socket when the
 * process may open one (root, or CAP_NET_RAW as the service has) and a TCP connection to port 7
 * otherwise. A round is one second or the heartbeat interval, whichever is longer; each target
 * gets up to one second, the round's targets one after the other on this thread. A new count is
 * reported only once two rounds in a row measured it: one lost echo must not move a cluster twice.
 */
final class ReachProbe implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReachProbe.class);

    private final List<Integer> targets;
    private final long roundMillis;
    private final IntConsumer report;
    private volatile boolean stopping;
    private Thread thread;
    private int lastReached = -1;
    private int previousRound = -1;

    ReachProbe(List<Integer> targets, Duration heartbeatInterval, IntConsumer report) {
        this.targets = List.copyOf(targets);
        this.roundMillis = Math.max(1000, heartbeatInterval.toMillis());
        this.report = report;
    }

    void start() {
        if (targets.isEmpty()) {
            return;
        }
        thread = Thread.ofPlatform().name("dispatcher-ha-reach").daemon().start(this::loop);
    }

    private void loop() {
        while (!stopping) {
            long started = System.nanoTime();
            int reached = 0;
            for (int target : targets) {
                try {
                    if (Ipv4.toInetAddress(target).isReachable((int) Math.min(1000, roundMillis))) {
                        reached++;
                    }
                } catch (IOException e) {
                    LOG.debug("HA: reach target {}: {}", Ipv4.format(target), e.getMessage());
                }
            }
            if (reached == previousRound && reached != lastReached) {
                LOG.info("HA: {} of {} reach targets answer", reached, targets.size());
                lastReached = reached;
                report.accept(reached);
            }
            previousRound = reached;
            long left = roundMillis - (System.nanoTime() - started) / 1_000_000;
            try {
                Thread.sleep(Math.max(10, left));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        stopping = true;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
