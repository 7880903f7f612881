package dev.dispatcher.control;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.PortConfig;
import dev.dispatcher.config.ServerConfig;
import dev.dispatcher.dataplane.forward.ForwardingTable;

/**
 * Compiles a validated configuration into the data plane's immutable forwarding table. Katran's
 * rule: the control plane precomputes, the data plane only looks up.
 */
public final class TableCompiler {
    private TableCompiler() {
    }

    public static ForwardingTable compile(DispatcherConfig config, long ownMac, int ownIp, int mtu, long version) {
        ForwardingTable.Builder builder = new ForwardingTable.Builder().ownMac(ownMac).ownIp(ownIp).mtu(mtu);
        for (ClusterConfig cluster : config.clusters()) {
            builder.vip(cluster.address());
            for (PortConfig port : cluster.ports()) {
                int n = port.servers().size();
                int[] servers = new int[n];
                int[] weights = new int[n];
                for (int i = 0; i < n; i++) {
                    ServerConfig server = port.servers().get(i);
                    servers[i] = builder.server(server.address(), server.hasStaticMac() ? server.mac() : 0);
                    weights[i] = server.weight();
                }
                builder.service(cluster.address(), port.port(), port.protocol().ipProtocol, servers, weights);
            }
        }
        return builder.build(version);
    }
}
