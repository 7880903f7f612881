package dev.dispatcher.config;

/** Whether forwarding runs on the receiving thread or behind a ring on worker threads. */
public enum PipelineMode {
    /** {@link #INLINE} on hosts with at most {@value #INLINE_MAX_CORES} cores, else {@link #RING}. */
    AUTO,
    /** The receiving thread forwards each batch itself: no hand-off, best on small hosts. */
    INLINE,
    /** The receiving thread publishes to a ring; {@code workers} threads forward. */
    RING;

    /**
     * Up to this many cores a ring hand-off costs more than it buys: two spinning threads on one
     * core degrade to milliseconds per hand-off (shared/PACKET-IO.md).
     */
    public static final int INLINE_MAX_CORES = 2;

    /** The mode to run: {@link #AUTO} decided for a host with {@code availableProcessors} cores. */
    public PipelineMode resolve(int availableProcessors) {
        if (this != AUTO) {
            return this;
        }
        return availableProcessors <= INLINE_MAX_CORES ? INLINE : RING;
    }

    /** The spelling in the configuration file: {@code auto}, {@code inline}, {@code ring}. */
    public String configName() {
        return ConfigNames.of(this);
    }
}
