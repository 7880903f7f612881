package dev.dispatcher.config;

/** Transport protocols a port can balance, with their IPv4 protocol numbers (IANA). */
public enum Protocol {
    TCP(6),
    UDP(17);

    /** The IPv4 header's protocol field (RFC 791 section 3.1) for this protocol. */
    public final int ipProtocol;

    Protocol(int ipProtocol) {
        this.ipProtocol = ipProtocol;
    }

    /** The spelling in the configuration file: {@code tcp}, {@code udp}. */
    public String configName() {
        return ConfigNames.of(this);
    }
}
