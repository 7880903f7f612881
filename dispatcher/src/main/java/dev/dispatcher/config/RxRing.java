package dev.dispatcher.config;

/**
 * How the afpacket backend's RX ring hands frames over (TPACKET_V2 or TPACKET_V3; the data plane
 * maps it, this package stays free of its types).
 */
public enum RxRing {
    /**
     * TPACKET_V2: one slot per frame, readable as soon as the kernel wrote it (10-50 us measured);
     * one wake-up per batch. The default, and what libpcap's immediate mode uses.
     */
    FRAMES,
    /**
     * TPACKET_V3: blocks of frames, handed over when full or after {@code rx-block-timeout}: fewer
     * wake-ups and status words under load, but up to that timeout of added latency at low rates
     * (1 ms gave 0.6 ms median, docs/PACKET-IO.md).
     */
    BLOCKS;

    /** The spelling in the configuration file: {@code frames}, {@code blocks}. */
    public String configName() {
        return ConfigNames.of(this);
    }
}
