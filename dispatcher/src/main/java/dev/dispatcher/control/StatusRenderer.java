package dev.dispatcher.control;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.PortConfig;
import dev.dispatcher.config.ServerConfig;
import dev.dispatcher.control.api.ReloadResult;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.ServiceKey;
import dev.dispatcher.control.api.StatusView;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.core.Verdict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import java.util.function.ToIntFunction;

/**
 * Renders what {@code dispatcher status} shows from one published state and the data plane's
 * counters: per server its state and why, weights, health, override, MAC and connections. Reads
 * only; no lock is needed, because the state is immutable and the counters are read with acquire.
 */
final class StatusRenderer {
    /** What the status names besides the state: the interface, the mode and the last reload. */
    record Context(String interfaceName, long ownMac, String mode, ReloadResult lastReload,
                   FlowRestore.Report restore) {
    }

    private final ControlState state;
    private final DataPlaneView dataPlane;
    private final IntUnaryOperator serverIds;
    private final ToIntFunction<ServerRef> pairIds;

    StatusRenderer(ControlState state, DataPlaneView dataPlane, IntUnaryOperator serverIds,
                   ToIntFunction<ServerRef> pairIds) {
        this.state = state;
        this.dataPlane = dataPlane;
        this.serverIds = serverIds;
        this.pairIds = pairIds;
    }

    StatusView render(Context context) {
        CounterSnapshot counters = dataPlane == null ? null : dataPlane.counters();
        Map<String, Long> byVerdict = new LinkedHashMap<>();
        for (int v = 0; v < Verdict.COUNT; v++) {
            byVerdict.put(Verdict.name(v), counters == null ? 0 : counters.verdicts()[v]);
        }
        List<StatusView.ClusterView> clusters = new ArrayList<>();
        for (ClusterConfig cluster : state.config().clusters()) {
            List<StatusView.PortView> ports = new ArrayList<>();
            for (PortConfig port : cluster.ports()) {
                ServiceKey service = ControlState.service(cluster, port);
                List<StatusView.ServerView> servers = new ArrayList<>();
                boolean anyUp = false;
                for (ServerConfig server : port.servers()) {
                    servers.add(serverView(service, port, server));
                    anyUp |= servers.getLast().state().equals("up") && servers.getLast().weight() > 0;
                }
                for (int address : state.lingeringOf(service)) {
                    int pair = pairIds.applyAsInt(new ServerRef(service, address));
                    servers.add(new StatusView.ServerView(Ipv4.format(address), "removed",
                            "removed; flows continue until they end", 0, 0, "none", "none",
                            macText(serverIds.applyAsInt(address)), active(pair), total(pair), 0, 0));
                }
                String advisor = port.advisor().map(a -> a.type().configName()).orElse("none");
                ports.add(new StatusView.PortView(port.port(), port.protocol().configName(),
                        port.onServerDown().configName(), advisor, !anyUp, servers));
            }
            clusters.add(new StatusView.ClusterView(Ipv4.format(cluster.address()), ports));
        }
        return new StatusView(context.interfaceName(), MacAddress.format(context.ownMac()), context.mode(),
                String.valueOf(state.config().source()), context.lastReload(), byVerdict, clusters,
                context.restore().restored(), context.restore().note());
    }

    /** The candidates explain lists for a new flow: each server, its weight in use, and whether it may take one. */
    List<String> candidates(ServiceKey service) {
        List<String> list = new ArrayList<>();
        PortConfig port = state.port(service);
        if (port == null) {
            return list;
        }
        for (ServerConfig server : port.servers()) {
            ControlState.Effective e = state.effective(service, port, server);
            boolean mac = dataPlane == null
                    || dataPlane.mac(serverIds.applyAsInt(server.address())) != NeighbourTable.UNKNOWN;
            boolean eligible = e.weight() > 0 && mac;
            list.add(Ipv4.format(server.address()) + " weight " + e.weight() + " (" + e.state()
                    + (e.reason().isEmpty() ? "" : ", " + e.reason()) + (mac ? "" : ", no MAC yet") + ") "
                    + (eligible ? "eligible" : "not eligible"));
        }
        return list;
    }

    private StatusView.ServerView serverView(ServiceKey service, PortConfig port, ServerConfig server) {
        ServerRef ref = new ServerRef(service, server.address());
        int index = serverIds.applyAsInt(server.address());
        ControlState.Effective e = state.effective(service, port, server);
        String shown = e.state();
        String reason = e.reason();
        boolean macKnown = dataPlane == null || dataPlane.mac(index) != NeighbourTable.UNKNOWN;
        if (shown.equals("up") && !macKnown) {
            shown = "down";
            reason = "no ARP reply from " + Ipv4.format(server.address()) + " yet";
        }
        ControlState.ServerHealth h = state.health().get(ref);
        String healthText = port.advisor().isEmpty() ? "none" : h == null ? "up" : h.up() ? "up" : "down";
        ControlState.OperatorState op = state.operator(ref);
        String override = op.override() == dev.dispatcher.control.api.ServerOverride.AUTO ? "none"
                : op.override().apiName();
        int pair = pairIds.applyAsInt(ref);
        return new StatusView.ServerView(Ipv4.format(server.address()), shown, reason, e.weight(), server.weight(),
                healthText, override, macText(index), active(pair), total(pair), port.maxConnectionsOf(server),
                port.minConnectionsOf(server));
    }

    private String macText(int index) {
        if (dataPlane == null || index < 0) {
            return null;
        }
        long mac = dataPlane.mac(index);
        return mac == NeighbourTable.UNKNOWN ? null : MacAddress.format(mac);
    }

    private long active(int pair) {
        return dataPlane == null ? 0 : dataPlane.activeFlows(pair);
    }

    private long total(int pair) {
        return dataPlane == null ? 0 : dataPlane.newFlows(pair);
    }
}
