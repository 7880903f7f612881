package dev.dispatcher.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Reads a composed document into a {@link DispatcherConfig}, collecting every problem. */
final class ConfigReader {
    static final List<String> ROOT_KEYS = List.of("interface", "clusters", "state-dir", "flow-table", "arp", "io",
            "pipeline", "admin", "ha");

    private final Problems problems;
    private final ValueReader values;

    ConfigReader(Problems problems) {
        this.problems = problems;
        this.values = new ValueReader(problems);
    }

    /** The configuration, or null when anything was reported. */
    DispatcherConfig read(Node root, Path source) {
        if (ValueReader.isNull(root) && ((ScalarNode) root).getValue().isEmpty()) {
            problems.report(root, "", "the document is empty; expected a mapping with at least interface and clusters");
            return null;
        }
        MappingReader m = MappingReader.open(root, "", ROOT_KEYS, problems);
        if (m == null) {
            return null;
        }
        String interfaceName = m.required("interface", values::interfaceName);
        Node clustersNode = m.require("clusters");
        List<ClusterReader.Cluster> clusters = clustersNode == null
                ? List.of()
                : new ClusterReader(problems, values).read(clustersNode, "clusters");
        SettingsReader settings = new SettingsReader(problems, values);
        FlowTableConfig flowTable = settings.flowTable(m.get("flow-table"), "flow-table");
        ArpConfig arp = settings.arp(m.get("arp"), "arp");
        IoConfig io = settings.io(m.get("io"), "io");
        PipelineConfig pipeline = settings.pipeline(m.get("pipeline"), "pipeline", io);
        AdminConfig admin = settings.admin(m.get("admin"), "admin");
        String stateDir = m.optional("state-dir", DispatcherConfig.DEFAULT_STATE_DIR.toString(),
                (n, p) -> values.absolutePath(n, p, "an absolute directory name"));
        Optional<HaConfig> ha = new HaReader(problems, values).read(m.get("ha"), "ha", clusters);
        Map<Integer, Long> staticMacs = ClusterChecks.check(clusters, problems);
        if (!problems.isEmpty() || stateDir == null || ha == null) {
            return null;
        }
        return new DispatcherConfig(source, interfaceName, ClusterReader.build(clusters, staticMacs),
                flowTable, arp, io, pipeline, admin, Path.of(stateDir), ha);
    }
}
