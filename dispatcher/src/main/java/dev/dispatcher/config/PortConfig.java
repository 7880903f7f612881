package dev.dispatcher.config;

import java.util.List;
import java.util.Objects;

/**
 * One balanced port of a cluster. Real servers listen on the same port (direct server return
 * rewrites only the MAC, never the IP header).
 *
 * @param port     1..65535
 * @param protocol TCP or UDP
 * @param servers  in file order; addresses unique within the port
 */
public record PortConfig(int port, Protocol protocol, List<ServerConfig> servers) {
    public static final int MIN_PORT = 1;
    public static final int MAX_PORT = 65_535;
    public static final Protocol DEFAULT_PROTOCOL = Protocol.TCP;

    public PortConfig {
        Objects.requireNonNull(protocol, "protocol");
        servers = List.copyOf(servers);
    }
}
