package dev.dispatcher.health;

import dev.dispatcher.config.AdvisorConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the advisors: each target is probed on its own virtual thread every {@code interval}
 * (start to start; a probe that overruns is followed at once by the next, never overlapped by it),
 * the first probe delayed by a random part of one interval so that a thousand servers added at once
 * do not probe in lockstep. Probes are bounded by their advisor's timeouts, and a target waits only
 * for its own probes, so a server that accepts and never answers delays no other verdict.
 *
 * <p>Results go through a {@link HealthState} per target; the {@link HealthListener} hears of
 * transitions only, and one log line is written per transition, none per probe. Targets start up.
 *
 * <p>Thread safety: all methods may be called from any thread. Each target's state is guarded by
 * its own entry; the set of entries by this checker.
 */
public final class HealthChecker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);
    /** How long {@link #close()} waits for the probing threads, all together. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(3);

    /** One target and the advisor that probes it. */
    public record Check(ProbeTarget target, AdvisorConfig advisor) {
        public Check {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(advisor, "advisor");
        }
    }

    private final HealthListener listener;
    private final Function<AdvisorConfig, Prober> probers;
    /** Guards {@link #entries}, {@link #started} and {@link #closed}. */
    private final Object lock = new Object();
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private boolean started;
    private boolean closed;

    /** A checker using the probers the advisors describe ({@link Prober#forAdvisor}). */
    public HealthChecker(HealthListener listener) {
        this(listener, Prober::forAdvisor);
    }

    /** A checker whose probers come from {@code probers} (tests, custom advisors). */
    public HealthChecker(HealthListener listener, Function<AdvisorConfig, Prober> probers) {
        this.listener = Objects.requireNonNull(listener, "listener");
        this.probers = Objects.requireNonNull(probers, "probers");
    }

    /** Starts probing {@code checks}; once only. */
    public void start(List<Check> checks) {
        synchronized (lock) {
            if (started) {
                throw new IllegalStateException("already started");
            }
            started = true;
        }
        replace(checks);
    }

    /**
     * Makes {@code checks} the set probed. A target whose key remains keeps its verdict and counts;
     * if its check is unchanged its probing goes on undisturbed, otherwise it goes on with the new
     * target and advisor (new rise and fall apply to the next result). Removed targets stop, and
     * after this returns their listener calls are over; new targets start up.
     *
     * @throws IllegalArgumentException when two checks have the same key (nothing is changed)
     * @throws IllegalStateException    after {@link #close()}
     */
    public void replace(List<Check> checks) {
        Map<String, Check> wanted = new LinkedHashMap<>();
        Map<Check, Prober> proberOf = new HashMap<>();
        for (Check check : checks) {
            if (wanted.put(check.target().key(), check) != null) {
                throw new IllegalArgumentException("two checks have the key " + check.target().key());
            }
        }
        // Built before anything changes, so an advisor no prober can serve changes nothing.
        for (Check check : wanted.values()) {
            proberOf.put(check, Objects.requireNonNull(probers.apply(check.advisor()), "prober"));
        }
        List<Runner> stopped = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            started = true;
            Set<String> removed = new HashSet<>(entries.keySet());
            removed.removeAll(wanted.keySet());
            for (String key : removed) {
                Entry entry = entries.remove(key);
                stopped.add(entry.runner);
                entry.runner.stop();
            }
            for (Check check : wanted.values()) {
                Entry entry = entries.get(check.target().key());
                if (entry == null) {
                    entry = new Entry(check);
                    entries.put(check.target().key(), entry);
                } else if (entry.runner.check.equals(check)) {
                    continue;
                } else {
                    stopped.add(entry.runner);
                    entry.runner.stop();
                }
                entry.runner = new Runner(entry, check, proberOf.get(check));
                entry.runner.start();
            }
            Map<String, Entry> ordered = new LinkedHashMap<>();
            wanted.keySet().forEach(key -> ordered.put(key, entries.get(key)));
            entries.clear();
            entries.putAll(ordered);
        }
        awaitCallbacks(stopped);
    }

    /**
     * Waits out a listener call a stopped runner may be making: it holds its entry's monitor
     * while it calls, and checks {@code stopped} under it, so once we pass the monitor it is silent.
     */
    private static void awaitCallbacks(List<Runner> stopped) {
        for (Runner runner : stopped) {
            synchronized (runner.entry) {
                // Nothing: passing the monitor is the point.
                assert runner.stopped;
            }
        }
    }

    /** The health of the target with {@code key}, if it is checked. */
    public Optional<TargetHealth> state(String key) {
        Entry entry;
        synchronized (lock) {
            entry = entries.get(key);
        }
        return entry == null ? Optional.empty() : Optional.of(entry.snapshot());
    }

    /** The health of every checked target, by key, in the order of the last {@link #replace}. */
    public Map<String, TargetHealth> states() {
        List<Entry> all;
        synchronized (lock) {
            all = List.copyOf(entries.values());
        }
        Map<String, TargetHealth> states = new LinkedHashMap<>();
        for (Entry entry : all) {
            TargetHealth health = entry.snapshot();
            states.put(health.target().key(), health);
        }
        return states;
    }

    /**
     * Stops every probe (a probe blocked on a socket is interrupted, which closes the socket; a
     * script is killed) and waits up to {@link #CLOSE_TIMEOUT} for the threads to end. No listener
     * call follows the return. Idempotent.
     */
    @Override
    public void close() {
        List<Runner> runners = new ArrayList<>();
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            for (Entry entry : entries.values()) {
                runners.add(entry.runner);
                entry.runner.stop();
            }
        }
        awaitCallbacks(runners);
        long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
        for (Runner runner : runners) {
            long left = deadline - System.nanoTime();
            try {
                if (left <= 0 || !runner.thread.join(Duration.ofNanos(left))) {
                    LOG.warn("advisor: {} still probing after close", runner.check.target().endpoint());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One target: its verdict and counts, which outlive the runners a reload replaces. */
    private final class Entry {
        private final HealthState state;
        /** Written under {@link HealthChecker#lock}; read by its own runner and by snapshots. */
        private volatile Runner runner;
        // The rest is guarded by this entry's monitor.
        private String lastReason = "no probe yet";
        private long lastDurationNanos;

        Entry(Check check) {
            this.state = new HealthState(check.advisor().rise(), check.advisor().fall());
        }

        synchronized TargetHealth snapshot() {
            return new TargetHealth(runner.check.target(), state.up(), lastReason, lastDurationNanos,
                    state.consecutiveSuccesses(), state.consecutiveFailures(), state.totalProbes(),
                    state.totalFailures());
        }

        /** Records a result of {@code from}, unless it has been stopped; announces a transition. */
        synchronized void record(Runner from, ProbeResult result) {
            if (from.stopped) {
                return;
            }
            AdvisorConfig advisor = from.check.advisor();
            state.thresholds(advisor.rise(), advisor.fall());
            lastReason = result.reason();
            lastDurationNanos = result.durationNanos();
            if (!state.record(result.success())) {
                return;
            }
            ProbeTarget target = from.check.target();
            if (state.up()) {
                int n = state.consecutiveSuccesses();
                LOG.info("advisor: {} up after {} {}: {}", target.endpoint(), n, n == 1 ? "success" : "successes",
                        result.reason());
            } else {
                int n = state.consecutiveFailures();
                LOG.warn("advisor: {} down after {} {}: {}", target.endpoint(), n, n == 1 ? "failure" : "failures",
                        result.reason());
            }
            try {
                listener.onTransition(target, state.up(), result.reason());
            } catch (RuntimeException e) {
                LOG.error("advisor: the health listener failed on {}", target.endpoint(), e);
            }
        }
    }

    /** The probing loop of one target under one check; replaced, not changed, when the check is. */
    private final class Runner implements Runnable {
        private final Entry entry;
        private final Check check;
        private final Prober prober;
        private volatile boolean stopped;
        private Thread thread;

        Runner(Entry entry, Check check, Prober prober) {
            this.entry = entry;
            this.check = check;
            this.prober = prober;
        }

        void start() {
            thread = Thread.ofVirtual().name("dispatcher-advisor-" + check.target().key()).start(this);
        }

        /** Under {@link HealthChecker#lock}, after {@link #start}. */
        void stop() {
            stopped = true;
            thread.interrupt();
        }

        @Override
        public void run() {
            long interval = Math.max(1, check.advisor().interval().toNanos());
            long next = System.nanoTime() + ThreadLocalRandom.current().nextLong(interval);
            while (!stopped) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    try {
                        Thread.sleep(Duration.ofNanos(wait));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopped) {
                    return;
                }
                long begin = System.nanoTime();
                entry.record(this, probeOnce(begin));
                next = begin + interval;
            }
        }

        private ProbeResult probeOnce(long begin) {
            try {
                return prober.probe(check.target());
            } catch (RuntimeException e) {
                return ProbeResult.down("prober failed: " + e, begin);
            }
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "HealthChecker" + entries.keySet();
        }
    }
}
