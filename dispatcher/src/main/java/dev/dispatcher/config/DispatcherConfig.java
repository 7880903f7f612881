package dev.dispatcher.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A complete, validated configuration. Only {@link ConfigLoader} checks the rules; building one by
 * hand (in tests) is allowed and checks only that nothing is null.
 *
 * @param source        the file it was read from, for messages and reloads
 * @param interfaceName the one L2 interface that faces both clients and real servers (MAC
 *                      forwarding rewrites the destination MAC and sends the frame back out)
 * @param clusters      the VIPs, in file order
 * @param admin         the admin API listener and token
 * @param stateDir      where the flow table is saved at a stop and restored from at the next start
 * @param ha            the high-availability pair this node belongs to; empty for a lone dispatcher
 */
public record DispatcherConfig(Path source, String interfaceName, List<ClusterConfig> clusters,
        FlowTableConfig flowTable, ArpConfig arp, IoConfig io, PipelineConfig pipeline, AdminConfig admin,
        Path stateDir, Optional<HaConfig> ha) {
    /** The systemd unit's StateDirectory=. */
    public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/dispatcher");

    /** Linux IFNAMSIZ (16) less the terminating NUL. */
    public static final int MAX_INTERFACE_NAME_BYTES = 15;

    public DispatcherConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(interfaceName, "interfaceName");
        clusters = List.copyOf(clusters);
        Objects.requireNonNull(flowTable, "flowTable");
        Objects.requireNonNull(arp, "arp");
        Objects.requireNonNull(io, "io");
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(ha, "ha");
    }

    /** Without high availability. */
    public DispatcherConfig(Path source, String interfaceName, List<ClusterConfig> clusters,
            FlowTableConfig flowTable, ArpConfig arp, IoConfig io, PipelineConfig pipeline, AdminConfig admin,
            Path stateDir) {
        this(source, interfaceName, clusters, flowTable, arp, io, pipeline, admin, stateDir, Optional.empty());
    }

    /** With the default state directory. */
    public DispatcherConfig(Path source, String interfaceName, List<ClusterConfig> clusters,
            FlowTableConfig flowTable, ArpConfig arp, IoConfig io, PipelineConfig pipeline, AdminConfig admin) {
        this(source, interfaceName, clusters, flowTable, arp, io, pipeline, admin, DEFAULT_STATE_DIR);
    }

    /** The same configuration with other clusters. */
    public DispatcherConfig withClusters(List<ClusterConfig> newClusters) {
        return new DispatcherConfig(source, interfaceName, newClusters, flowTable, arp, io, pipeline, admin, stateDir,
                ha);
    }

    /** With the default admin settings. */
    public DispatcherConfig(Path source, String interfaceName, List<ClusterConfig> clusters,
            FlowTableConfig flowTable, ArpConfig arp, IoConfig io, PipelineConfig pipeline) {
        this(source, interfaceName, clusters, flowTable, arp, io, pipeline, AdminConfig.DEFAULTS);
    }
}
