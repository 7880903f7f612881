package dev.dispatcher.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One balanced port of a cluster. Real servers listen on the same port (direct server return
 * rewrites only the MAC, never the IP header).
 *
 * @param port     1..65535
 * @param protocol TCP or UDP
 * @param servers  in file order; addresses unique within the port
 * @param onServerDown what happens to the flows of a server that goes down
 * @param advisor  the health advisor, if any; without one a server is up while its MAC is known
 */
public record PortConfig(int port, Protocol protocol, List<ServerConfig> servers, ServerDownPolicy onServerDown,
        Optional<AdvisorConfig> advisor) {
    /** Like LVS and HAProxy by default: a flapping advisor must not cut live connections. */
    public static final ServerDownPolicy DEFAULT_ON_SERVER_DOWN = ServerDownPolicy.KEEP;

    public static final int MIN_PORT = 1;
    public static final int MAX_PORT = 65_535;
    public static final Protocol DEFAULT_PROTOCOL = Protocol.TCP;

    public PortConfig {
        Objects.requireNonNull(protocol, "protocol");
        servers = List.copyOf(servers);
        Objects.requireNonNull(onServerDown, "onServerDown");
        Objects.requireNonNull(advisor, "advisor");
    }

    /** A port without an advisor and with the default down policy. */
    public PortConfig(int port, Protocol protocol, List<ServerConfig> servers) {
        this(port, protocol, servers, DEFAULT_ON_SERVER_DOWN, Optional.empty());
    }
}
