package dev.dispatcher.control;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.PortConfig;
import dev.dispatcher.config.ServerConfig;
import dev.dispatcher.config.ServerDownPolicy;
import dev.dispatcher.control.api.ServerOverride;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.ServiceKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Everything the control plane decides from, as one immutable value: the configuration (with live
 * changes), the operators' overrides and drains, the advisors' verdicts, and the servers removed
 * from a {@code keep} port while they still carry flows. Keyed by typed pairs, never by formatted
 * strings. A change makes a new state; the facade publishes it with the table compiled from it.
 *
 * @param lingering per service, the removed servers whose flows continue until they end
 * @param ha        the cluster groups this node serves in a high-availability pair
 */
record ControlState(DispatcherConfig config, Map<ServerRef, OperatorState> operators,
                    Map<ServerRef, ServerHealth> health, Map<ServiceKey, Set<Integer>> lingering, HaOwnership ha) {

    /** What an operator did to one server of one service, beyond the configuration. */
    record OperatorState(ServerOverride override, boolean draining) {
        static final OperatorState NONE = new OperatorState(ServerOverride.AUTO, false);
    }

    /** An advisor's latest verdict on one server of one service. */
    record ServerHealth(boolean up, String reason) {
    }

    /**
     * The weight a server has now, whether its existing flows stay, and the state and reason to
     * show when the weight is forced to 0.
     */
    record Effective(int weight, boolean keepFlows, String state, String reason) {
    }

    ControlState {
        operators = Map.copyOf(operators);
        health = Map.copyOf(health);
        Map<ServiceKey, Set<Integer>> copy = new LinkedHashMap<>();
        lingering.forEach((service, servers) -> {
            if (!servers.isEmpty()) {
                copy.put(service, Collections.unmodifiableSet(new LinkedHashSet<>(servers)));
            }
        });
        lingering = Collections.unmodifiableMap(copy);
        Objects.requireNonNull(ha, "ha");
    }

    /**
     * The first state of a configuration: a member of a pair starts serving nothing (INIT) until
     * its HA thread decides; a lone dispatcher serves everything.
     */
    static ControlState of(DispatcherConfig config) {
        HaOwnership ha = config.ha().map(h -> HaOwnership.nothingServed(h.role(), h.heartbeatInterval().toNanos()))
                .orElse(HaOwnership.NONE);
        return new ControlState(config, Map.of(), Map.of(), Map.of(), ha);
    }

    // ------------------------------------------------------------------------ reading

    static ServiceKey service(ClusterConfig cluster, PortConfig port) {
        return new ServiceKey(cluster.address(), port.port(), port.protocol());
    }

    /** The port of a service, or null. */
    PortConfig port(ServiceKey service) {
        for (ClusterConfig cluster : config.clusters()) {
            if (cluster.address() == service.vip()) {
                for (PortConfig port : cluster.ports()) {
                    if (port.port() == service.port() && port.protocol() == service.protocol()) {
                        return port;
                    }
                }
            }
        }
        return null;
    }

    OperatorState operator(ServerRef pair) {
        return operators.getOrDefault(pair, OperatorState.NONE);
    }

    /** Removed servers of {@code service} that still carry flows, minus any added back. */
    Set<Integer> lingeringOf(ServiceKey service) {
        return lingering.getOrDefault(service, Set.of());
    }

    /** Every pair of the state: configured servers, then the lingering ones, per service. */
    List<ServerRef> pairs() {
        List<ServerRef> all = new ArrayList<>();
        for (ClusterConfig cluster : config.clusters()) {
            for (PortConfig port : cluster.ports()) {
                ServiceKey service = service(cluster, port);
                port.servers().forEach(server -> all.add(new ServerRef(service, server.address())));
                lingeringOf(service).forEach(address -> all.add(new ServerRef(service, address)));
            }
        }
        return all;
    }

    /** The static MAC given to {@code address} anywhere in the configuration, or {@link ServerConfig#NO_MAC}. */
    long staticMacOf(int address) {
        for (ClusterConfig cluster : config.clusters()) {
            for (PortConfig port : cluster.ports()) {
                for (ServerConfig server : port.servers()) {
                    if (server.address() == address && server.hasStaticMac()) {
                        return server.mac();
                    }
                }
            }
        }
        return ServerConfig.NO_MAC;
    }

    /** The weight in use: configured, unless an operator or an advisor forces it to 0. */
    Effective effective(ServiceKey service, PortConfig port, ServerConfig server) {
        ServerRef pair = new ServerRef(service, server.address());
        OperatorState op = operator(pair);
        boolean keepWhenDown = port.onServerDown() == ServerDownPolicy.KEEP;
        if (op.override() == ServerOverride.DOWN) {
            return new Effective(0, keepWhenDown, "down", "operator: server down");
        }
        ServerHealth h = port.advisor().isPresent() ? health.get(pair) : null;
        if (op.override() != ServerOverride.UP && h != null && !h.up()) {
            return new Effective(0, keepWhenDown, "down", "advisor: " + h.reason());
        }
        if (op.draining()) {
            return new Effective(0, true, "drain", "operator: draining");
        }
        return new Effective(server.weight(), true, "up",
                op.override() == ServerOverride.UP ? "operator: forced up" : "");
    }

    // ------------------------------------------------------------------------ changing

    /**
     * The state with {@code next} as its configuration: operators' state of servers that left is
     * forgotten, servers that left a {@code keep} port linger, servers added back stop lingering.
     */
    ControlState withConfig(DispatcherConfig next) {
        Map<ServerRef, OperatorState> ops = new HashMap<>(operators);
        Map<ServiceKey, Set<Integer>> linger = mutableLingering();
        ControlState after = new ControlState(next, Map.of(), Map.of(), Map.of(), ha);
        for (ServerRef pair : pairs()) {
            PortConfig port = after.port(pair.service());
            boolean stays = port != null && port.servers().stream().anyMatch(s -> s.address() == pair.server());
            if (!stays && !lingeringOf(pair.service()).contains(pair.server())) {
                ops.remove(pair);
                if (port != null && port.onServerDown() == ServerDownPolicy.KEEP) {
                    linger.computeIfAbsent(pair.service(), k -> new LinkedHashSet<>()).add(pair.server());
                }
            }
        }
        return new ControlState(next, ops, health, linger, ha).withoutReadded();
    }

    ControlState withHa(HaOwnership next) {
        return new ControlState(config, operators, health, lingering, next);
    }

    ControlState withOperator(ServerRef pair, OperatorState state) {
        Map<ServerRef, OperatorState> ops = new HashMap<>(operators);
        if (state.equals(OperatorState.NONE)) {
            ops.remove(pair);
        } else {
            ops.put(pair, state);
        }
        return new ControlState(config, ops, health, lingering, ha);
    }

    ControlState withHealth(ServerRef pair, ServerHealth verdict) {
        Map<ServerRef, ServerHealth> h = new HashMap<>(health);
        h.put(pair, verdict);
        return new ControlState(config, operators, h, lingering, ha);
    }

    /** Without the lingering servers {@code stillActive} says carry no more flows. */
    ControlState withoutIdleLingering(Predicate<ServerRef> stillActive) {
        Map<ServiceKey, Set<Integer>> linger = mutableLingering();
        linger.forEach((service, servers) -> servers.removeIf(
                server -> !stillActive.test(new ServerRef(service, server))));
        return new ControlState(config, operators, health, linger, ha);
    }

    private ControlState withoutReadded() {
        Map<ServiceKey, Set<Integer>> linger = mutableLingering();
        linger.forEach((service, servers) -> {
            PortConfig port = port(service);
            if (port != null) {
                port.servers().forEach(server -> servers.remove(server.address()));
            }
        });
        return new ControlState(config, operators, health, linger, ha);
    }

    private Map<ServiceKey, Set<Integer>> mutableLingering() {
        Map<ServiceKey, Set<Integer>> copy = new LinkedHashMap<>();
        lingering.forEach((service, servers) -> copy.put(service, new LinkedHashSet<>(servers)));
        return copy;
    }
}
