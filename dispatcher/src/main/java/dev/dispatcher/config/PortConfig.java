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
 * @param scheduler how a new flow's server is picked
 * @param maglevTableSize the slots of the port's Maglev table (a prime); every port has one, for
 *                  TCP segments without SYN that miss the flow table
 * @param maxConnections the connection limit of servers that set none, or {@link ServerConfig#NO_LIMIT}
 * @param minConnections the lower mark of servers that set none, or {@link ServerConfig#NO_LIMIT}
 */
public record PortConfig(int port, Protocol protocol, List<ServerConfig> servers, ServerDownPolicy onServerDown,
        Optional<AdvisorConfig> advisor, SchedulerKind scheduler, int maglevTableSize, int maxConnections,
        int minConnections) {
    /** Like LVS and HAProxy by default: a flapping advisor must not cut live connections. */
    public static final ServerDownPolicy DEFAULT_ON_SERVER_DOWN = ServerDownPolicy.KEEP;

    public static final int MIN_PORT = 1;
    public static final int MAX_PORT = 65_535;
    public static final Protocol DEFAULT_PROTOCOL = Protocol.TCP;
    /** Today's behaviour: exact weighted shares. */
    public static final SchedulerKind DEFAULT_SCHEDULER = SchedulerKind.WRR;
    /** A prime; at least 100 slots per server keeps each server's share within about 1%. */
    public static final int DEFAULT_MAGLEV_TABLE_SIZE = 65_537;
    /** Slots per server below which shares drift (the Maglev paper keeps M above 100 x servers). */
    public static final int MIN_MAGLEV_SLOTS_PER_SERVER = 100;
    /** 16 Mi slots: 64 MiB per port; a typo must not ask for more. */
    public static final int MAX_MAGLEV_TABLE_SIZE = 16_777_259;

    public PortConfig {
        Objects.requireNonNull(protocol, "protocol");
        servers = List.copyOf(servers);
        Objects.requireNonNull(onServerDown, "onServerDown");
        Objects.requireNonNull(advisor, "advisor");
        Objects.requireNonNull(scheduler, "scheduler");
        if (maxConnections < 0 || minConnections < 0) {
            throw new IllegalArgumentException("connection limits must not be negative");
        }
    }

    /** A port without connection limits. */
    public PortConfig(int port, Protocol protocol, List<ServerConfig> servers, ServerDownPolicy onServerDown,
            Optional<AdvisorConfig> advisor, SchedulerKind scheduler, int maglevTableSize) {
        this(port, protocol, servers, onServerDown, advisor, scheduler, maglevTableSize, ServerConfig.NO_LIMIT,
                ServerConfig.NO_LIMIT);
    }

    /** The active flows at which {@code server} gets no new flows: its own limit, else the port's; 0 for none. */
    public int maxConnectionsOf(ServerConfig server) {
        return server.maxConnections() != ServerConfig.NO_LIMIT ? server.maxConnections() : maxConnections;
    }

    /**
     * The active flows below which {@code server}, once at its limit, gets new flows again: its
     * own mark, else the port's (when the limit is the port's too), else 3/4 of its limit as in
     * IPVS; 0 without a limit.
     */
    public int minConnectionsOf(ServerConfig server) {
        int max = maxConnectionsOf(server);
        if (max == ServerConfig.NO_LIMIT) {
            return ServerConfig.NO_LIMIT;
        }
        if (server.minConnections() != ServerConfig.NO_LIMIT) {
            return server.minConnections();
        }
        if (server.maxConnections() == ServerConfig.NO_LIMIT && minConnections != ServerConfig.NO_LIMIT) {
            return minConnections;
        }
        return Math.max(1, (int) (max * 3L / 4));
    }

    /** A port with the default scheduler and Maglev table size. */
    public PortConfig(int port, Protocol protocol, List<ServerConfig> servers, ServerDownPolicy onServerDown,
            Optional<AdvisorConfig> advisor) {
        this(port, protocol, servers, onServerDown, advisor, DEFAULT_SCHEDULER, DEFAULT_MAGLEV_TABLE_SIZE);
    }

    /** The same port with other servers. */
    public PortConfig withServers(List<ServerConfig> newServers) {
        return new PortConfig(port, protocol, newServers, onServerDown, advisor, scheduler, maglevTableSize,
                maxConnections, minConnections);
    }

    /** A port without an advisor and with the default down policy. */
    public PortConfig(int port, Protocol protocol, List<ServerConfig> servers) {
        this(port, protocol, servers, DEFAULT_ON_SERVER_DOWN, Optional.empty());
    }
}
