package dev.dispatcher.config;

/** How a port picks the real server of a new flow. */
public enum SchedulerKind {
    /**
     * Smooth weighted round-robin: exact weighted shares, interleaved; another dispatcher (or this
     * one after losing its table) would pick differently for the same flow.
     */
    WRR,
    /**
     * Weighted Maglev consistent hashing: the server is a function of the flow's hash, the same
     * on every dispatcher with the same configuration; shares follow the weights to within a
     * fraction of a percent.
     */
    MAGLEV;

    public String configName() {
        return ConfigNames.of(this);
    }
}
