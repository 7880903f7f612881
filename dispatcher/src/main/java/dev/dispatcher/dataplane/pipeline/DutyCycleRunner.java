package dev.dispatcher.dataplane.pipeline;

/**
 * Runs duty cycles until they end or {@link #stop} is called, with an idle strategy between idle
 * rounds: the one loop of every pipeline thread (inline, the fanout workers, the ring's receive
 * thread). Stopping takes effect after the current round; a source blocked in its poll is woken by
 * the pipeline ({@code PacketSource.wakeup}).
 */
final class DutyCycleRunner {
    /** What a thread does after a round of work. */
    @FunctionalInterface
    interface IdleStrategy {
        void idle(int workCount);
    }

    /**
     * Nothing: the sources wait themselves, in poll() up to their poll timeout (and, with
     * busy-poll, spinning first), so a round that found nothing has already waited.
     */
    static final IdleStrategy SOURCE_WAITS = workCount -> {
    };

    private volatile boolean running = true;

    /** Runs {@code cycle} on the calling thread; returns when it ended or the runner was stopped. */
    void run(DutyCycle cycle, IdleStrategy idle) {
        while (running) {
            int work = cycle.doWork();
            if (work == DutyCycle.END) {
                return;
            }
            idle.idle(work);
        }
    }

    void stop() {
        running = false;
    }

    boolean running() {
        return running;
    }
}
