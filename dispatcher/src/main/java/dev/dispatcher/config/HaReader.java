package dev.dispatcher.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Reads the optional {@code ha} section and checks it against the clusters: the partner and the
 * reach targets are not VIPs, and {@code ha-owner} appears only in mutual HA.
 */
final class HaReader {
    static final List<String> KEYS = List.of("role", "node-id", "peer-node-id", "peer", "listen-port",
            "heartbeat-interval", "dead-after", "key-file", "recovery", "reach-targets", "notify");

    private final Problems problems;
    private final ValueReader values;

    HaReader(Problems problems, ValueReader values) {
        this.problems = problems;
        this.values = values;
    }

    /** The section (empty when absent), or null when something in it was invalid (reported). */
    Optional<HaConfig> read(Node node, String path, List<ClusterReader.Cluster> clusters) {
        if (node == null) {
            return owners(clusters, null, "there is no ha section") ? Optional.empty() : null;
        }
        MappingReader m = MappingReader.open(node, path, KEYS, problems);
        if (m == null) {
            return null;
        }
        HaRole role = m.required("role", (n, p) -> values.choice(n, p, HaRole.values()));
        Integer nodeId = m.required("node-id", this::nodeId);
        Integer peerNodeId = m.optional("peer-node-id", HaConfig.ANY_PEER_NODE, this::nodeId);
        Integer peer = m.required("peer", values::unicastIpv4);
        Integer port = m.optional("listen-port", HaConfig.DEFAULT_LISTEN_PORT,
                (n, p) -> values.integer(n, p, PortConfig.MIN_PORT, PortConfig.MAX_PORT));
        Duration interval = m.optional("heartbeat-interval", HaConfig.DEFAULT_HEARTBEAT_INTERVAL,
                (n, p) -> values.duration(n, p, HaConfig.MIN_HEARTBEAT_INTERVAL, HaConfig.MAX_HEARTBEAT_INTERVAL));
        Duration minDeadAfter = HaConfig.MIN_HEARTBEAT_INTERVAL.multipliedBy(HaConfig.MIN_DEAD_AFTER_INTERVALS);
        Duration deadAfter = m.optional("dead-after", null,
                (n, p) -> values.duration(n, p, minDeadAfter, HaConfig.MAX_DEAD_AFTER));
        String keyFile = m.required("key-file", (n, p) -> values.absolutePath(n, p, "an absolute path"));
        HaRecovery recovery = m.optional("recovery", HaRecovery.AUTO,
                (n, p) -> values.choice(n, p, HaRecovery.values()));
        List<Integer> reach = m.optional("reach-targets", List.of(), this::reachTargets);
        Optional<Path> notify = m.optional("notify", Optional.empty(), (n, p) -> {
            String file = values.absolutePath(n, p, "an absolute path of an executable");
            return file == null ? null : Optional.of(Path.of(file));
        });
        // Every rule whose values were read is judged, so one pass reports every independent mistake.
        boolean valid = !anyNull(role, nodeId, peerNodeId, peer, port, interval, keyFile, recovery, reach, notify)
                && (deadAfter != null || m.get("dead-after") == null);
        if (deadAfter == null && interval != null) {
            deadAfter = interval.multipliedBy(HaConfig.DEFAULT_DEAD_AFTER_INTERVALS);
        } else if (deadAfter != null && interval != null
                && deadAfter.compareTo(interval.multipliedBy(HaConfig.MIN_DEAD_AFTER_INTERVALS)) < 0) {
            // One late heartbeat would declare a live partner dead and start a split brain.
            problems.report(m.site("dead-after"), "must be at least " + HaConfig.MIN_DEAD_AFTER_INTERVALS
                    + " heartbeat intervals (" + Durations.format(interval.multipliedBy(
                            HaConfig.MIN_DEAD_AFTER_INTERVALS)) + "), found " + ValueReader.found(m.get("dead-after")));
            valid = false;
        }
        if (nodeId != null && nodeId.equals(peerNodeId)) {
            problems.report(m.site("peer-node-id"), "must differ from node-id (" + nodeId + "), found "
                    + ValueReader.found(m.get("peer-node-id")));
            valid = false;
        }
        Map<Integer, Site> vips = vipSites(clusters);
        if (peer != null) {
            valid &= notAVip(m.site("peer"), peer, vips, "the partner");
        }
        List<Node> reachNodes = m.get("reach-targets") instanceof SequenceNode s ? s.getValue() : List.of();
        for (int i = 0; reach != null && i < reach.size(); i++) {
            Site site = Site.of(reachNodes.get(i), Site.element(m.path("reach-targets"), i));
            valid &= notAVip(site, reach.get(i), vips, "a reach target");
            if (reach.get(i).equals(peer)) {
                // Whether the partner answers is what heartbeats tell; reach targets say where the clients are.
                problems.report(site, "must not be the partner (ha.peer): reach targets are the routers and hosts "
                        + "between the clients and the dispatchers");
                valid = false;
            }
        }
        if (role != null) {
            valid &= owners(clusters, role, "ha.role is " + role.configName());
        }
        if (!valid) {
            return null;
        }
        return Optional.of(new HaConfig(role, nodeId, peerNodeId, peer, port, interval, deadAfter,
                Path.of(keyFile), recovery, reach, notify));
    }

    private Integer nodeId(Node node, String path) {
        return values.integer(node, path, HaConfig.MIN_NODE_ID, HaConfig.MAX_NODE_ID);
    }

    /** A list of unique unicast IPv4 addresses, possibly empty. */
    private List<Integer> reachTargets(Node node, String path) {
        if (node instanceof SequenceNode sequence && sequence.getValue().isEmpty()) {
            return List.of();
        }
        List<Node> items = values.list(node, path, "IPv4 addresses");
        if (items == null) {
            return null;
        }
        if (items.size() > HaConfig.MAX_REACH_TARGETS) {
            problems.report(node, path, "must list at most " + HaConfig.MAX_REACH_TARGETS + " addresses, found "
                    + items.size());
            return null;
        }
        List<Integer> targets = new ArrayList<>();
        Map<Integer, Site> seen = new HashMap<>();
        boolean valid = true;
        for (int i = 0; i < items.size(); i++) {
            String itemPath = Site.element(path, i);
            Integer address = values.unicastIpv4(items.get(i), itemPath);
            if (address == null) {
                valid = false;
                continue;
            }
            Site first = seen.putIfAbsent(address, Site.of(items.get(i), itemPath));
            if (first != null) {
                problems.report(items.get(i), itemPath, "duplicate reach target " + Ipv4.format(address)
                        + ", first at " + first.reference());
                valid = false;
            }
            targets.add(address);
        }
        return valid ? targets : null;
    }

    private boolean notAVip(Site site, int address, Map<Integer, Site> vips, String what) {
        Site vip = vips.get(address);
        if (vip == null) {
            return true;
        }
        problems.report(site, what + " must not be a cluster address, found " + Ipv4.format(address) + " = "
                + vip.reference());
        return false;
    }

    private static Map<Integer, Site> vipSites(List<ClusterReader.Cluster> clusters) {
        Map<Integer, Site> vips = new HashMap<>();
        for (ClusterReader.Cluster cluster : clusters) {
            if (cluster.address() != null) {
                vips.putIfAbsent(cluster.address(), cluster.addressSite());
            }
        }
        return vips;
    }

    /** {@code ha-owner} only where it decides something: with {@code ha.role: both}. */
    private boolean owners(List<ClusterReader.Cluster> clusters, HaRole role, String why) {
        boolean valid = true;
        for (ClusterReader.Cluster cluster : clusters) {
            boolean given = cluster.haOwnerSite() != null && cluster.haOwner() != null;
            if (given && role != HaRole.BOTH) {
                problems.report(cluster.haOwnerSite(), "applies only with ha.role: both (" + why + "); remove it");
                valid = false;
            }
        }
        return valid;
    }

    private static boolean anyNull(Object... values) {
        for (Object value : values) {
            if (value == null) {
                return true;
            }
        }
        return false;
    }
}
