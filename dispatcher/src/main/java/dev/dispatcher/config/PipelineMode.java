package dev.dispatcher.config;

/**
 * Whether forwarding runs on the receiving thread, behind a ring on worker threads, or on worker
 * threads that each receive from their own socket of a kernel fanout group.
 */
public enum PipelineMode {
    /** {@link #INLINE} on hosts with at most {@value #INLINE_MAX_CORES} cores, else {@link #RING}. */
    AUTO,
    /** The receiving thread forwards each batch itself: no hand-off, best on small hosts. */
    INLINE,
    /** The receiving thread publishes to a ring; {@code workers} threads forward. */
    RING,
    /**
     * {@code workers} threads, each receiving, deciding and sending on its own AF_PACKET socket of a
     * PACKET_FANOUT_CBPF group: our steering program keeps each flow on the socket of the worker its
     * flow key names, so there is
     * no hand-off between threads. Needs {@code io.backend: afpacket}; never chosen by
     * {@link #AUTO}, because it only pays on hosts with a core per worker to spare.
     */
    FANOUT;

    /**
     * Up to this many cores a ring hand-off costs more than it buys: two spinning threads on one
     * core degrade to milliseconds per hand-off (docs/PACKET-IO.md, handing frames between threads).
     */
    public static final int INLINE_MAX_CORES = 2;

    /** The mode to run: {@link #AUTO} decided for a host with {@code availableProcessors} cores. */
    public PipelineMode resolve(int availableProcessors) {
        if (this != AUTO) {
            return this;
        }
        return availableProcessors <= INLINE_MAX_CORES ? INLINE : RING;
    }

    /** The spelling in the configuration file: {@code auto}, {@code inline}, {@code ring}, {@code fanout}. */
    public String configName() {
        return ConfigNames.of(this);
    }
}
