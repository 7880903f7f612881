package dev.dispatcher.control.api;

import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.Protocol;

/** One balanced service: VIP, port, protocol. */
public record ServiceKey(int vip, int port, Protocol protocol) {
    public ServiceKey {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
        if (protocol == null) {
            throw new IllegalArgumentException("protocol missing");
        }
    }

    /** {@code 198.18.0.100:80/tcp}. */
    @Override
    public String toString() {
        return Ipv4.format(vip) + ":" + port + "/" + protocol.configName();
    }
}
