package dev.dispatcher.config;

import java.util.List;

/**
 * A virtual IP address (IBM Network Dispatcher: "cluster address") and the ports balanced on it.
 *
 * @param address the VIP, IPv4 as int (see {@link Ipv4}); unique across clusters
 * @param ports   in file order; (port, protocol) unique within the cluster
 */
public record ClusterConfig(int address, List<PortConfig> ports) {
    public ClusterConfig {
        ports = List.copyOf(ports);
    }

    @Override
    public String toString() {
        return "ClusterConfig[address=" + Ipv4.format(address) + ", ports=" + ports + "]";
    }
}
