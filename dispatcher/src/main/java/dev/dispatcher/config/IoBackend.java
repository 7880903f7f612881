package dev.dispatcher.config;

import java.util.Locale;

/** How frames are received and sent. */
public enum IoBackend {
    /**
     * Memory-mapped AF_PACKET rings (TPACKET_V2, or V3 for RX with {@code io.rx-ring: blocks})
     * through the foreign function API: Linux only, no
     * copy on receive, one system call per batch on send; the default on Linux.
     */
    AFPACKET,
    /** libpcap through pcap4j; portable, and slower per frame (docs/PACKET-IO.md, what a frame costs). */
    PCAP4J;

    /** The spelling in the configuration file: {@code afpacket}, {@code pcap4j}. */
    public String configName() {
        return ConfigNames.of(this);
    }

    /** {@link #AFPACKET} on Linux, else {@link #PCAP4J}. */
    public static IoBackend platformDefault() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux") ? AFPACKET : PCAP4J;
    }
}
