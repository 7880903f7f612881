package dev.dispatcher.config;

/**
 * How a ring consumer waits for work; the names of the LMAX Disruptor wait strategies. The data
 * plane maps them to instances; this package stays free of Disruptor types.
 */
public enum WaitStrategyName {
    /** Lock and condition: no CPU while idle, highest hand-off latency. */
    BLOCKING,
    /** Spin, then yield, then park briefly: a middle ground. */
    SLEEPING,
    /** Spin, then {@code Thread.yield()}: low latency, burns a core while idle. */
    YIELDING,
    /** Spin only: lowest latency, needs a dedicated core per consumer. */
    BUSY_SPIN;

    /** The spelling in the configuration file: {@code blocking}, ..., {@code busy-spin}. */
    public String configName() {
        return ConfigNames.of(this);
    }
}
