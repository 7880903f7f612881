package dev.dispatcher.config;

/** How frames are received and sent. An AF_PACKET ring backend ({@code afpacket}) comes later. */
public enum IoBackend {
    /** libpcap through pcap4j; portable, and slower per frame (see shared/PACKET-IO.md). */
    PCAP4J;

    /** The spelling in the configuration file: {@code pcap4j}. */
    public String configName() {
        return ConfigNames.of(this);
    }
}
