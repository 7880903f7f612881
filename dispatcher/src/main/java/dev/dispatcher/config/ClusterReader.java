package dev.dispatcher.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads {@code clusters} into drafts that keep each value's position, so {@link ClusterChecks}
 * can point at both ends of a conflict. A draft value is null when it was missing or invalid;
 * that is already reported, and the checks skip it.
 */
final class ClusterReader {
    static final List<String> CLUSTER_KEYS = List.of("address", "ports", "ha-owner");
    static final List<String> PORT_KEYS = List.of("port", "protocol", "on-server-down", "advisor", "scheduler",
            "maglev-table-size", "max-connections", "min-connections", "servers");
    static final List<String> SERVER_KEYS = List.of("address", "weight", "mac", "max-connections", "min-connections");

    /** {@code haOwnerSite} is null when the key is absent (the default owner). */
    record Cluster(Site addressSite, Integer address, List<Port> ports, Site haOwnerSite, HaOwner haOwner) {
    }

    /** {@code advisor} is empty when not given, null when invalid. */
    record Port(Site portSite, Integer port, Protocol protocol, ServerDownPolicy onServerDown,
            Optional<AdvisorConfig> advisor, SchedulerKind scheduler, Site maglevSite, Integer maglevTableSize,
            Limits limits, List<Server> servers) {
    }

    /** {@code mac} is {@link ServerConfig#NO_MAC} when not given, null when invalid. */
    record Server(Site addressSite, Integer address, Integer weight, Site macSite, Long mac, Limits limits) {
    }

    /** {@code max-connections} and {@code min-connections}: {@link ServerConfig#NO_LIMIT} when absent. */
    record Limits(Integer max, Site minSite, Integer min) {
        boolean valid() {
            return max != null && min != null;
        }
    }

    private final Problems problems;
    private final ValueReader values;
    private final AdvisorReader advisors;

    ClusterReader(Problems problems, ValueReader values) {
        this.problems = problems;
        this.values = values;
        this.advisors = new AdvisorReader(problems, values);
    }

    List<Cluster> read(Node node, String path) {
        List<Cluster> clusters = new ArrayList<>();
        List<Node> items = values.list(node, path, "clusters");
        for (int i = 0; items != null && i < items.size(); i++) {
            MappingReader m = MappingReader.open(items.get(i), Site.element(path, i), CLUSTER_KEYS, problems);
            if (m != null) {
                Integer address = m.required("address", values::unicastIpv4);
                Node ports = m.require("ports");
                HaOwner owner = m.optional("ha-owner", ClusterConfig.DEFAULT_HA_OWNER,
                        (n, p) -> values.choice(n, p, HaOwner.values()));
                clusters.add(new Cluster(m.site("address"), address,
                        ports == null ? List.of() : ports(ports, m.path("ports")), m.site("ha-owner"), owner));
            }
        }
        return clusters;
    }

    private List<Port> ports(Node node, String path) {
        List<Port> ports = new ArrayList<>();
        List<Node> items = values.list(node, path, "ports");
        for (int i = 0; items != null && i < items.size(); i++) {
            MappingReader m = MappingReader.open(items.get(i), Site.element(path, i), PORT_KEYS, problems);
            if (m != null) {
                Integer port = m.required("port",
                        (n, p) -> values.integer(n, p, PortConfig.MIN_PORT, PortConfig.MAX_PORT));
                Protocol protocol = m.optional("protocol", PortConfig.DEFAULT_PROTOCOL,
                        (n, p) -> values.choice(n, p, Protocol.values()));
                ServerDownPolicy onServerDown = m.optional("on-server-down", PortConfig.DEFAULT_ON_SERVER_DOWN,
                        (n, p) -> values.choice(n, p, ServerDownPolicy.values()));
                Optional<AdvisorConfig> advisor = m.optional("advisor", Optional.empty(), (n, p) -> {
                    AdvisorConfig read = advisors.read(n, p);
                    return read == null ? null : Optional.of(read);
                });
                SchedulerKind scheduler = m.optional("scheduler", PortConfig.DEFAULT_SCHEDULER,
                        (n, p) -> values.choice(n, p, SchedulerKind.values()));
                Integer maglevTableSize = m.optional("maglev-table-size", PortConfig.DEFAULT_MAGLEV_TABLE_SIZE,
                        (n, p) -> values.prime(n, p, 2, PortConfig.MAX_MAGLEV_TABLE_SIZE));
                Node servers = m.require("servers");
                // Where a too small table is reported: its key, or (by default) the servers that outgrow it.
                Site maglevSite = m.site("maglev-table-size") != null ? m.site("maglev-table-size")
                        : m.site("servers") != null ? new Site(m.path("maglev-table-size"), m.site("servers").line(),
                                m.site("servers").column()) : null;
                Limits limits = limits(m);
                List<Server> listed = servers == null ? List.of() : servers(servers, m.path("servers"));
                ports.add(new Port(m.site("port"), port, protocol, onServerDown, advisor, scheduler,
                        maglevSite, maglevTableSize, limits, listed));
                checkLowerMarks(limits, listed);
            }
        }
        return ports;
    }

    private List<Server> servers(Node node, String path) {
        List<Server> servers = new ArrayList<>();
        List<Node> items = values.list(node, path, "real servers");
        for (int i = 0; items != null && i < items.size(); i++) {
            MappingReader m = MappingReader.open(items.get(i), Site.element(path, i), SERVER_KEYS, problems);
            if (m != null) {
                Integer address = m.required("address", values::unicastIpv4);
                Integer weight = m.optional("weight", ServerConfig.DEFAULT_WEIGHT,
                        (n, p) -> values.integer(n, p, ServerConfig.MIN_WEIGHT, ServerConfig.MAX_WEIGHT));
                Long mac = m.optional("mac", ServerConfig.NO_MAC, values::unicastMac);
                servers.add(new Server(m.site("address"), address, weight, m.site("mac"), mac, limits(m)));
            }
        }
        return servers;
    }

    private Limits limits(MappingReader m) {
        Integer max = m.optional("max-connections", ServerConfig.NO_LIMIT,
                (n, p) -> values.integer(n, p, 1, ServerConfig.MAX_CONNECTIONS));
        Integer min = m.optional("min-connections", ServerConfig.NO_LIMIT,
                (n, p) -> values.integer(n, p, 1, ServerConfig.MAX_CONNECTIONS - 1));
        return new Limits(max, m.site("min-connections"), min);
    }

    /**
     * A lower mark needs a limit above it: the server's own, or the port's for a server without
     * one. Reported at the mark, naming the limit it was compared with.
     */
    private void checkLowerMarks(Limits port, List<Server> servers) {
        if (!port.valid()) {
            return;
        }
        if (port.min() != ServerConfig.NO_LIMIT) {
            checkLowerMark(port.minSite(), port.min(), port.max(), "the port's");
        }
        for (Server server : servers) {
            Limits own = server.limits();
            if (!own.valid() || own.min() == ServerConfig.NO_LIMIT) {
                continue;
            }
            boolean ownMax = own.max() != ServerConfig.NO_LIMIT;
            checkLowerMark(own.minSite(), own.min(), ownMax ? own.max() : port.max(),
                    ownMax ? "the server's" : "the port's");
        }
    }

    private void checkLowerMark(Site site, int min, int max, String whose) {
        if (max == ServerConfig.NO_LIMIT) {
            problems.report(site, "needs a max-connections (" + whose + " is not set): the mark at which a server at"
                    + " its limit gets new flows again");
        } else if (min >= max) {
            problems.report(site, "must be below " + whose + " max-connections " + max + ", found " + min);
        }
    }

    /**
     * The records, once every draft value is known to be valid. A static MAC belongs to the
     * address, not to the listing: every listing of an address gets the MAC given for it anywhere.
     */
    static List<ClusterConfig> build(List<Cluster> clusters, Map<Integer, Long> staticMacs) {
        List<ClusterConfig> built = new ArrayList<>();
        for (Cluster cluster : clusters) {
            List<PortConfig> ports = new ArrayList<>();
            for (Port port : cluster.ports()) {
                List<ServerConfig> servers = new ArrayList<>();
                for (Server server : port.servers()) {
                    long mac = staticMacs.getOrDefault(server.address(), ServerConfig.NO_MAC);
                    servers.add(new ServerConfig(server.address(), server.weight(), mac, server.limits().max(),
                            server.limits().min()));
                }
                ports.add(new PortConfig(port.port(), port.protocol(), servers, port.onServerDown(), port.advisor(),
                        port.scheduler(), port.maglevTableSize(), port.limits().max(), port.limits().min()));
            }
            built.add(new ClusterConfig(cluster.address(), ports, cluster.haOwner()));
        }
        return built;
    }
}
