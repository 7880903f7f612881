package dev.dispatcher.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rules that relate values across the cluster list: uniqueness of VIPs, ports and servers, real
 * servers that are not VIPs, and one static MAC per real server address. Each conflict is
 * reported at its later occurrence and names the earlier one.
 */
final class ClusterChecks {
    private ClusterChecks() {
    }

    /** Runs every check; returns the static MAC of each address that has one. */
    static Map<Integer, Long> check(List<ClusterReader.Cluster> clusters, Problems problems) {
        Map<Integer, Site> vips = uniqueVips(clusters, problems);
        Map<Integer, ClusterReader.Server> macOwners = new HashMap<>();
        Map<Integer, Long> staticMacs = new HashMap<>();
        for (ClusterReader.Cluster cluster : clusters) {
            uniquePorts(cluster, problems);
            for (ClusterReader.Port port : cluster.ports()) {
                uniqueServers(port, problems);
                maglevSlots(port, problems);
                for (ClusterReader.Server server : port.servers()) {
                    if (server.address() == null) {
                        continue;
                    }
                    Site vip = vips.get(server.address());
                    if (vip != null) {
                        // The dispatcher answers ARP for a VIP and would forward the frames to itself.
                        problems.report(server.addressSite(), "a real server must not be a cluster address, found "
                                + Ipv4.format(server.address()) + " = " + vip.reference());
                    }
                    if (server.mac() != null && server.mac() != ServerConfig.NO_MAC) {
                        ClusterReader.Server owner = macOwners.putIfAbsent(server.address(), server);
                        if (owner == null) {
                            staticMacs.put(server.address(), server.mac());
                        } else if (!owner.mac().equals(server.mac())) {
                            problems.report(server.macSite(), "static MAC " + MacAddress.format(server.mac())
                                    + " of " + Ipv4.format(server.address()) + " conflicts with "
                                    + MacAddress.format(owner.mac()) + " at " + owner.macSite().reference());
                        }
                    }
                }
            }
        }
        return staticMacs;
    }

    private static Map<Integer, Site> uniqueVips(List<ClusterReader.Cluster> clusters, Problems problems) {
        Map<Integer, Site> vips = new HashMap<>();
        for (ClusterReader.Cluster cluster : clusters) {
            if (cluster.address() != null) {
                Site first = vips.putIfAbsent(cluster.address(), cluster.addressSite());
                if (first != null) {
                    problems.report(cluster.addressSite(), "duplicate cluster address "
                            + Ipv4.format(cluster.address()) + ", first at " + first.reference());
                }
            }
        }
        return vips;
    }

    private static void uniquePorts(ClusterReader.Cluster cluster, Problems problems) {
        Map<Integer, Site> ports = new HashMap<>();
        for (ClusterReader.Port port : cluster.ports()) {
            if (port.port() != null && port.protocol() != null) {
                Site first = ports.putIfAbsent(port.port() << 8 | port.protocol().ipProtocol, port.portSite());
                if (first != null) {
                    problems.report(port.portSite(), "duplicate port " + port.port() + "/"
                            + port.protocol().configName() + " in this cluster, first at " + first.reference());
                }
            }
        }
    }

    /** Fewer than 100 slots per server and the shares drift from the weights (Maglev, section 3.4). */
    private static void maglevSlots(ClusterReader.Port port, Problems problems) {
        Integer size = port.maglevTableSize();
        int servers = port.servers().size();
        if (size != null && port.maglevSite() != null
                && (long) size < (long) PortConfig.MIN_MAGLEV_SLOTS_PER_SERVER * servers) {
            problems.report(port.maglevSite(), "must be at least " + PortConfig.MIN_MAGLEV_SLOTS_PER_SERVER
                    + " slots per server, " + (long) PortConfig.MIN_MAGLEV_SLOTS_PER_SERVER * servers + " for the "
                    + servers + " servers of this port, found " + size + "; pick a prime above that");
        }
    }

    private static void uniqueServers(ClusterReader.Port port, Problems problems) {
        Map<Integer, Site> servers = new HashMap<>();
        for (ClusterReader.Server server : port.servers()) {
            if (server.address() != null) {
                Site first = servers.putIfAbsent(server.address(), server.addressSite());
                if (first != null) {
                    problems.report(server.addressSite(), "duplicate real server "
                            + Ipv4.format(server.address()) + " in this port, first at " + first.reference());
                }
            }
        }
    }
}
