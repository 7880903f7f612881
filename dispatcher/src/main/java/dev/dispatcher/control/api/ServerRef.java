package dev.dispatcher.control.api;

import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.Protocol;
import java.util.Arrays;

/**
 * A real server within one service: the control plane's typed name for a (service, server) pair.
 * The edges (admin API, CLI) parse text into it once; everything behind them works with it.
 *
 * @param service the service
 * @param server  the real server's IPv4 address
 */
public record ServerRef(ServiceKey service, int server) {
    public ServerRef {
        if (service == null) {
            throw new IllegalArgumentException("service missing");
        }
    }

    /**
     * Parses the four parts as an operator writes them, for the edges and tests.
     *
     * @throws IllegalArgumentException naming the part that is wrong
     */
    public static ServerRef of(String vip, int port, String protocol, String server) {
        Protocol parsed = Arrays.stream(Protocol.values()).filter(p -> p.configName().equals(protocol)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("protocol: expected tcp or udp, found " + protocol));
        return new ServerRef(new ServiceKey(Ipv4.parse(vip), port, parsed), Ipv4.parse(server));
    }

    /** {@code 198.18.0.11 in 198.18.0.100:80/tcp}. */
    @Override
    public String toString() {
        return Ipv4.format(server) + " in " + service;
    }
}
