package dev.dispatcher.control;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.PortConfig;
import dev.dispatcher.config.SchedulerKind;
import dev.dispatcher.config.ServerConfig;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.ServiceKey;
import dev.dispatcher.control.ha.HaGroups;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.PartnerWatch;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;
import java.util.function.ToIntFunction;

/**
 * Compiles a {@link ControlState} into the immutable {@link ForwardingTable} the workers read: a
 * pure function of the state, the ids and the host, with no threads and no side effects, so it is
 * tested on its own.
 */
final class TableCompiler {
    /** The dispatcher's own interface, as the data plane needs it. */
    record Host(long ownMac, int ownIp, int mtu) {
    }

    private TableCompiler() {
    }

    /**
     * @param serverIds the server index of an address (every address of the state has one)
     * @param pairIds   the pair id of a (service, server) (every pair of the state has one)
     * @param macKnown  whether a server (by index) has a MAC now: one without takes no Maglev slots
     */
    static ForwardingTable compile(ControlState state, Host host, IntUnaryOperator serverIds,
                                   ToIntFunction<ServerRef> pairIds, IntPredicate macKnown, long version) {
        ForwardingTable.Builder b = new ForwardingTable.Builder().ownMac(host.ownMac()).ownIp(host.ownIp())
                .mtu(host.mtu()).partnerWatch(partnerWatch(state));
        for (ClusterConfig cluster : state.config().clusters()) {
            if (!served(state, cluster)) {
                // The partner serves it: no VIP, no service, but its servers stay resolved for a takeover.
                for (PortConfig port : cluster.ports()) {
                    for (ServerConfig server : port.servers()) {
                        b.server(serverIds.applyAsInt(server.address()), server.address(),
                                server.hasStaticMac() ? server.mac() : 0);
                    }
                }
                continue;
            }
            b.vip(cluster.address());
            for (PortConfig port : cluster.ports()) {
                ServiceKey service = ControlState.service(cluster, port);
                Set<Integer> gone = new LinkedHashSet<>(state.lingeringOf(service));
                port.servers().forEach(server -> gone.remove(server.address()));
                int n = port.servers().size() + gone.size();
                int[] servers = new int[n];
                int[] pairs = new int[n];
                int[] weights = new int[n];
                int[] maglevWeights = new int[n];
                int[] maxConnections = new int[n];
                int[] minConnections = new int[n];
                boolean[] keep = new boolean[n];
                int i = 0;
                for (ServerConfig server : port.servers()) {
                    ControlState.Effective e = state.effective(service, port, server);
                    servers[i] = b.server(serverIds.applyAsInt(server.address()), server.address(),
                            server.hasStaticMac() ? server.mac() : 0);
                    pairs[i] = pairIds.applyAsInt(new ServerRef(service, server.address()));
                    weights[i] = e.weight();
                    // Down, drained, weight 0 or no MAC: no slots, so the table needs no second guess.
                    boolean mac = server.hasStaticMac() || macKnown.test(servers[i]);
                    maglevWeights[i] = mac ? e.weight() : 0;
                    keep[i] = e.keepFlows();
                    maxConnections[i] = port.maxConnectionsOf(server);
                    minConnections[i] = port.minConnectionsOf(server);
                    i++;
                }
                // Removed from a keep port: no new flows, its flows stay until they end.
                for (int address : gone) {
                    long mac = state.staticMacOf(address);
                    servers[i] = b.server(serverIds.applyAsInt(address), address, mac == ServerConfig.NO_MAC ? 0 : mac);
                    pairs[i] = pairIds.applyAsInt(new ServerRef(service, address));
                    weights[i] = 0;
                    keep[i] = true;
                    i++;
                }
                b.service(0, ForwardingTable.mapped(cluster.address()), port.port(), port.protocol().ipProtocol,
                        servers, pairs, weights, keep, port.scheduler() == SchedulerKind.MAGLEV,
                        port.maglevTableSize(), maglevWeights);
                for (int k = 0; k < n; k++) {
                    b.connectionLimit(pairs[k], maxConnections[k], minConnections[k]);
                }
            }
        }
        return b.build(version);
    }

    static boolean served(ControlState state, ClusterConfig cluster) {
        HaOwnership ha = state.ha();
        return ha.role() == null || ha.serves(HaGroups.of(cluster, ha.role()));
    }

    private static PartnerWatch partnerWatch(ControlState state) {
        HaOwnership ha = state.ha();
        if (ha.role() == null) {
            return PartnerWatch.NONE;
        }
        List<ClusterConfig> clusters = state.config().clusters();
        int[] vips = new int[clusters.size()];
        int[] groups = new int[clusters.size()];
        int[] probes = new int[PartnerWatch.MAX_GROUPS];
        for (int i = 0; i < clusters.size(); i++) {
            vips[i] = clusters.get(i).address();
            groups[i] = HaGroups.of(clusters.get(i), ha.role());
            if (!ha.serves(groups[i]) && probes[groups[i]] == 0) {
                probes[groups[i]] = vips[i];
            }
        }
        return new PartnerWatch(ha.partnerMac(), ha.probeIntervalNanos(), vips, groups, probes,
                ha.announceGeneration());
    }
}
