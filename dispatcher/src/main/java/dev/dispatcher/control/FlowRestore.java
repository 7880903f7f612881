package dev.dispatcher.control;

import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.dataplane.conntrack.FlowState;
import dev.dispatcher.dataplane.core.FlowKey;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The flows a start restores from the last stop's snapshot: read, checked, mapped to this
 * process's pairs (by content fingerprint), aged by the wall-clock time that passed, and grouped
 * by the worker that owns each flow, so the pipeline can size each worker's inbox to hold its
 * share and hand every flow in before the first frame. A snapshot that cannot be used is logged
 * once with the reason and ignored: the dispatcher starts clean, it never fails for it.
 */
public final class FlowRestore {
    private static final Logger LOG = LoggerFactory.getLogger(FlowRestore.class);

    /** One flow to hand to a worker. */
    record Flow(FlowKey key, int pair, int state, long lifetimeNanos) {
    }

    /**
     * What a start restored.
     *
     * @param restored          flows handed to the workers
     * @param snapshotAgeMillis how old the snapshot was, -1 when none was used
     * @param skipped           flows or whole snapshots not used, by reason (a metric label each)
     * @param note              one line for logs and status
     */
    public record Report(long restored, long snapshotAgeMillis, Map<String, Long> skipped, String note) {
        static Report none(String note) {
            return new Report(0, -1, Map.of(), note);
        }
    }

    private final List<List<Flow>> byWorker;
    private final Report report;

    private FlowRestore(List<List<Flow>> byWorker, Report report) {
        this.byWorker = byWorker;
        this.report = report;
    }

    /** Reads the snapshot of {@code config}'s state directory for a pipeline of {@code workers}. */
    static FlowRestore load(DispatcherConfig config, ControlPlane control, int workers, long nowEpochMillis) {
        List<List<Flow>> byWorker = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            byWorker.add(new ArrayList<>());
        }
        if (!config.flowTable().restore()) {
            LOG.info("no flows restored: restore is off (flow-table.restore: false)");
            return new FlowRestore(byWorker, Report.none("restore is off (flow-table.restore: false)"));
        }
        long began = System.nanoTime();
        Path file = config.stateDir().resolve(FlowSnapshot.FILE_NAME);
        FlowSnapshot.Saved saved;
        try {
            saved = FlowSnapshot.read(file, nowEpochMillis, config.flowTable().longestTimeout().toMillis(),
                    (long) config.flowTable().capacity() * 2);
        } catch (FlowSnapshot.Unusable e) {
            if (e.problem() == FlowSnapshot.Problem.MISSING) {
                LOG.info("no flows to restore: {}", e.getMessage());
            } else {
                LOG.warn("flow snapshot ignored, starting with an empty flow table: {}", e.getMessage());
            }
            return new FlowRestore(byWorker, new Report(0, -1, Map.of(e.problem().label(), 1L), e.getMessage()));
        }
        long ageMillis = Math.max(0, nowEpochMillis - saved.savedAtEpochMillis());
        long ageNanos = ageMillis * 1_000_000L;
        Map<Long, Integer> pairs = control.pairsByFingerprint();
        long longestNanos = config.flowTable().longestTimeout().toNanos();
        long gone = 0;
        long expired = 0;
        long invalid = 0;
        long restored = 0;
        for (FlowSnapshot.Entry e : saved.entries()) {
            if (!plausible(e)) {
                // The checksum says the file is as written; a writer of another build, or a hand,
                // may still have written what no flow table holds: such an entry is not restored.
                invalid++;
                continue;
            }
            Integer pair = pairs.get(e.pairFingerprint());
            if (pair == null) {
                gone++;
                continue;
            }
            long left = Math.min(e.lifetimeNanos(), longestNanos) - ageNanos;
            if (left <= 0) {
                expired++;
                continue;
            }
            long ports = e.portsWord();
            FlowKey key = new FlowKey().set(e.sourceHigh(), e.sourceLow(), e.destinationHigh(), e.destinationLow(),
                    (int) (ports >>> 32) & 0xFFFF, (int) (ports >>> 16) & 0xFFFF, (int) (ports >>> 8) & 0xFF);
            byWorker.get(key.shard(workers)).add(new Flow(key, pair, e.state(), left));
            restored++;
        }
        Map<String, Long> skipped = new LinkedHashMap<>();
        if (gone > 0) {
            skipped.put("pair_gone", gone);
        }
        if (expired > 0) {
            skipped.put("expired", expired);
        }
        if (invalid > 0) {
            skipped.put("invalid", invalid);
        }
        String note = "restored " + restored + " flows from " + file + " saved " + ageMillis + " ms ago (read in "
                + (System.nanoTime() - began) / 1_000_000 + " ms)"
                + (gone + expired + invalid == 0 ? ""
                        : " (skipped: " + gone + " of servers no longer configured, " + expired + " expired, "
                                + invalid + " invalid)");
        LOG.info("{}", note);
        return new FlowRestore(byWorker, new Report(restored, ageMillis, skipped, note));
    }

    /**
     * An entry a flow table could hold: TCP in a TCP state or UDP in the UDP state, the ports
     * word's marker bit set and nothing in its unused bits, a lifetime above zero.
     */
    static boolean plausible(FlowSnapshot.Entry e) {
        long ports = e.portsWord();
        if ((ports & 0xFFFF_0000_0000_00FFL) != 1L || e.lifetimeNanos() <= 0) {
            return false;
        }
        int protocol = (int) (ports >>> 8) & 0xFF;
        return switch (protocol) {
            case 6 -> FlowState.isTcp(e.state());
            case 17 -> e.state() == FlowState.UDP;
            default -> false;
        };
    }

    /** The inbox every worker needs to take its share at once. */
    int inboxCapacity() {
        int most = 0;
        for (List<Flow> flows : byWorker) {
            most = Math.max(most, flows.size());
        }
        return most;
    }

    /**
     * Hands each flow to the worker that owns it; call before the pipeline starts: each worker
     * takes its whole inbox before its first frame.
     */
    void handOver(DataPlaneView view) {
        for (List<Flow> flows : byWorker) {
            for (Flow f : flows) {
                if (!view.handOver(f.key(), f.pair(), f.state(), f.lifetimeNanos())) {
                    throw new IllegalStateException("inbox sized below the restore: " + inboxCapacity());
                }
            }
            flows.clear();
        }
    }

    /** The flows worker {@code worker} will be handed (until {@link #handOver}). */
    List<Flow> flowsOf(int worker) {
        return List.copyOf(byWorker.get(worker));
    }

    Report report() {
        return report;
    }
}
