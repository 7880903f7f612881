package dev.dispatcher.control;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.PortConfig;
import dev.dispatcher.config.ServerConfig;
import dev.dispatcher.control.api.ServiceKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What a reload changes, in words an operator reads in the log and in the CLI's answer. */
public final class ConfigDiff {
    private ConfigDiff() {
    }

    static Map<ServiceKey, PortConfig> services(DispatcherConfig config) {
        Map<ServiceKey, PortConfig> map = new LinkedHashMap<>();
        for (ClusterConfig cluster : config.clusters()) {
            for (PortConfig port : cluster.ports()) {
                map.put(new ServiceKey(cluster.address(), port.port(), port.protocol()), port);
            }
        }
        return map;
    }

    static PortConfig port(DispatcherConfig config, ServiceKey service) {
        return services(config).get(service);
    }

    /** Every change of services and servers, one line each, in file order. */
    public static List<String> changes(DispatcherConfig before, DispatcherConfig after) {
        List<String> out = new ArrayList<>();
        Map<ServiceKey, PortConfig> old = services(before);
        Map<ServiceKey, PortConfig> now = services(after);
        for (ClusterConfig cluster : after.clusters()) {
            if (before.clusters().stream().noneMatch(c -> c.address() == cluster.address())) {
                out.add("added VIP " + Ipv4.format(cluster.address()));
            }
        }
        for (ClusterConfig cluster : before.clusters()) {
            if (after.clusters().stream().noneMatch(c -> c.address() == cluster.address())) {
                out.add("removed VIP " + Ipv4.format(cluster.address()));
            }
            after.clusters().stream().filter(c -> c.address() == cluster.address() && c.haOwner() != cluster.haOwner())
                    .forEach(c -> out.add("VIP " + Ipv4.format(c.address()) + ": ha-owner "
                            + cluster.haOwner().configName() + " -> " + c.haOwner().configName()));
        }
        for (var entry : now.entrySet()) {
            PortConfig was = old.get(entry.getKey());
            if (was == null) {
                out.add("added service " + entry.getKey());
            } else {
                portChanges(entry.getKey(), was, entry.getValue(), out);
            }
        }
        for (ServiceKey service : old.keySet()) {
            if (!now.containsKey(service)) {
                out.add("removed service " + service);
            }
        }
        return out;
    }

    private static void portChanges(ServiceKey service, PortConfig was, PortConfig now, List<String> out) {
        if (was.onServerDown() != now.onServerDown()) {
            out.add(service + ": on-server-down " + was.onServerDown().configName() + " -> "
                    + now.onServerDown().configName());
        }
        if (was.scheduler() != now.scheduler()) {
            out.add(service + ": scheduler " + was.scheduler().configName() + " -> " + now.scheduler().configName());
        }
        if (was.maglevTableSize() != now.maglevTableSize()) {
            out.add(service + ": maglev-table-size " + was.maglevTableSize() + " -> " + now.maglevTableSize());
        }
        if (!was.advisor().equals(now.advisor())) {
            out.add(service + ": advisor "
                    + now.advisor().map(a -> a.type().configName() + " (changed)").orElse("removed"));
        }
        for (ServerConfig server : now.servers()) {
            ServerConfig before = find(was, server.address());
            String name = Ipv4.format(server.address());
            if (before == null) {
                out.add(service + ": added server " + name + " weight " + server.weight());
                continue;
            }
            if (before.weight() != server.weight()) {
                out.add(service + ": server " + name + " weight " + before.weight() + " -> " + server.weight());
            }
            if (before.mac() != server.mac()) {
                out.add(service + ": server " + name + " mac " + macText(before) + " -> " + macText(server));
            }
        }
        for (ServerConfig server : was.servers()) {
            if (find(now, server.address()) == null) {
                out.add(service + ": removed server " + Ipv4.format(server.address()) + " (flows "
                        + (now.onServerDown().configName().equals("keep") ? "continue until they end"
                                : "are rescheduled") + ")");
            }
        }
    }

    private static String macText(ServerConfig server) {
        return server.hasStaticMac() ? MacAddress.format(server.mac()) : "arp";
    }

    private static ServerConfig find(PortConfig port, int address) {
        for (ServerConfig server : port.servers()) {
            if (server.address() == address) {
                return server;
            }
        }
        return null;
    }

    /** Settings a reload records but the running data plane keeps until a restart. */
    public static List<String> needRestart(DispatcherConfig before, DispatcherConfig after) {
        List<String> out = new ArrayList<>();
        check(out, "interface", before.interfaceName(), after.interfaceName());
        check(out, "flow-table", before.flowTable(), after.flowTable());
        check(out, "arp", before.arp(), after.arp());
        check(out, "io", before.io(), after.io());
        check(out, "pipeline", before.pipeline(), after.pipeline());
        check(out, "admin", before.admin(), after.admin());
        check(out, "state-dir", before.stateDir(), after.stateDir());
        check(out, "ha", before.ha(), after.ha());
        return out;
    }

    private static void check(List<String> out, String section, Object before, Object after) {
        if (!Objects.equals(before, after)) {
            out.add("`" + section + "` changed: it takes effect at the next restart");
        }
    }
}
