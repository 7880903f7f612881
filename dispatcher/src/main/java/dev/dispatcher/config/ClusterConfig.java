package dev.dispatcher.config;

import java.util.List;
import java.util.Objects;

/**
 * A virtual IP address (IBM Network Dispatcher: "cluster address") and the ports balanced on it.
 *
 * @param address the VIP, IPv4 as int (see {@link Ipv4}); unique across clusters
 * @param ports   in file order; (port, protocol) unique within the cluster
 * @param haOwner with {@code ha.role: both}, the node that serves it while both are up; otherwise
 *                {@link #DEFAULT_HA_OWNER} and without meaning
 */
public record ClusterConfig(int address, List<PortConfig> ports, HaOwner haOwner) {
    public static final HaOwner DEFAULT_HA_OWNER = HaOwner.PRIMARY;

    public ClusterConfig {
        ports = List.copyOf(ports);
        Objects.requireNonNull(haOwner, "haOwner");
    }

    public ClusterConfig(int address, List<PortConfig> ports) {
        this(address, ports, DEFAULT_HA_OWNER);
    }

    /** The same cluster with other ports. */
    public ClusterConfig withPorts(List<PortConfig> newPorts) {
        return new ClusterConfig(address, newPorts, haOwner);
    }

    @Override
    public String toString() {
        return "ClusterConfig[address=" + Ipv4.format(address) + ", ports=" + ports
                + (haOwner == DEFAULT_HA_OWNER ? "" : ", haOwner=" + haOwner.configName()) + "]";
    }
}
