package dev.dispatcher.control;

import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.Protocol;

/** One balanced service: VIP, port, protocol. */
public record ServiceKey(int vip, int port, Protocol protocol) {
    @Override
    public String toString() {
        return Ipv4.format(vip) + ":" + port + "/" + protocol.configName();
    }

    /** The key an advisor target carries: service and server address. */
    public String targetKey(int server) {
        return this + " " + Ipv4.format(server);
    }
}
