package dev.dispatcher.config;

import java.util.Objects;

/**
 * Threading of the forwarding path.
 *
 * @param mode         inline, ring, fanout, or auto (decided by core count, see {@link PipelineMode#resolve})
 * @param workers      forwarding threads in ring and fanout mode
 * @param ringSize     ring slots; a power of two so a sequence maps to a slot with a mask
 * @param waitStrategy how ring consumers wait
 */
public record PipelineConfig(PipelineMode mode, int workers, int ringSize, WaitStrategyName waitStrategy) {
    public static final int MIN_WORKERS = 1;
    public static final int MAX_WORKERS = 64;
    public static final int MIN_RING_SIZE = 64;
    public static final int MAX_RING_SIZE = 1 << 20;

    public static final PipelineConfig DEFAULTS = new PipelineConfig(PipelineMode.AUTO, 1, 4096,
            WaitStrategyName.BLOCKING);

    public PipelineConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(waitStrategy, "waitStrategy");
    }
}
