package dev.dispatcher.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.StreamDataWriter;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Writes a configuration as YAML that {@link ConfigLoader} reads back to an equal
 * {@link DispatcherConfig} (its {@code source} aside): what {@code dispatcher config save} stores,
 * like IBM's {@code dscontrol file save}.
 *
 * <p>Every value is written, defaults included, so the file records what ran even after a
 * default changes. Keys are in the order of the reference (docs/CONFIG.md), durations in their
 * largest exact unit, sizes in their largest exact binary unit. The only values left out are
 * those the file expresses by absence: an advisor's probe port 0 (the service port), an empty
 * Host header (the server's address), no body check, the keys that do not apply to the
 * advisor's type, and {@code io.rx-block-timeout} unless {@code io.rx-ring} is blocks.
 *
 * <p>The document is a node tree emitted by snakeyaml-engine under the loader's schema (YAML 1.2
 * core): text nodes are tagged as strings and numbers as integers, so the emitter quotes exactly
 * the text the loader would read as something else ({@code null}, {@code 010}, {@code "a: b"}) and
 * escapes what YAML cannot hold raw. Block style, two-space indents, short lists (expected
 * statuses, a script's command) in flow style on one line.
 *
 * <p>The writer does not validate: a configuration built by hand that breaks a rule (two MACs
 * for one address, say) is written as it is, and loading the text reports the problem; only text
 * that YAML cannot carry (a lone surrogate) is refused. Every configuration the loader returned
 * is written to a file the loader accepts.
 */
public final class ConfigWriter {
    /**
     * Long values are folded over several lines past this column; the loader refuses lines above
     * {@link YamlDocument#MAX_LINE_CHARS}.
     */
    private static final int WIDTH = 120;
    private static final DumpSettings SETTINGS = DumpSettings.builder()
            .setSchema(new CoreSchema())
            .setDefaultFlowStyle(FlowStyle.BLOCK)
            .setIndent(2)
            // "- " of a list item indented under its key, as docs/CONFIG.md writes it.
            .setIndicatorIndent(2)
            .setIndentWithIndicator(true)
            .setWidth(WIDTH)
            .build();

    private ConfigWriter() {
    }

    /**
     * The configuration as YAML. The first line is a comment saying the dispatcher wrote the file
     * at {@code writtenAt}, which the caller formats (a timestamp, so tests can fix it).
     *
     * @throws IllegalArgumentException when {@code writtenAt} is not one line of printable text,
     *                                  which would end the comment and corrupt the file
     */
    public static String toYaml(DispatcherConfig config, String writtenAt) {
        if (writtenAt.codePoints().anyMatch(ConfigWriter::breaksComment)) {
            throw new IllegalArgumentException("writtenAt must be one line of printable text, found "
                    + ValueReader.quote(writtenAt));
        }
        // The emitter writes no comments of its own: the header goes before the document.
        StringBuilder yaml = new StringBuilder();
        yaml.append("# Written by the dispatcher at ").append(writtenAt).append(".\n");
        yaml.append("# Every value is set, defaults included; docs/CONFIG.md describes each key.\n");
        Block root = new Block()
                .put("interface", text(config.interfaceName()))
                .put("clusters", blockList(config.clusters(), c -> cluster(c, mutualHa(config))))
                .put("state-dir", text(config.stateDir().toString()))
                .put("flow-table", flowTable(config.flowTable()))
                .put("arp", arp(config.arp()))
                .put("io", io(config.io()))
                .put("pipeline", pipeline(config.pipeline()))
                .put("admin", admin(config.admin()));
        config.ha().ifPresent(ha -> root.put("ha", ha(ha)));
        new Dump(SETTINGS).dumpNode(root.node(), new StreamDataWriter() {
            @Override
            public void write(String str) {
                yaml.append(str);
            }

            @Override
            public void write(String str, int off, int len) {
                yaml.append(str, off, off + len);
            }
        });
        return yaml.toString();
    }

    private static boolean mutualHa(DispatcherConfig config) {
        return config.ha().map(ha -> ha.role() == HaRole.BOTH).orElse(false);
    }

    /** {@code ha-owner} only in mutual HA, the one place the loader takes it. */
    private static Node cluster(ClusterConfig cluster, boolean mutualHa) {
        Block block = new Block()
                .put("address", text(Ipv4.format(cluster.address())));
        if (mutualHa) {
            block.put("ha-owner", text(cluster.haOwner().configName()));
        }
        return block.put("ports", blockList(cluster.ports(), ConfigWriter::port)).node();
    }

    private static Node port(PortConfig port) {
        Block block = new Block()
                .put("port", integer(port.port()))
                .put("protocol", text(port.protocol().configName()))
                .put("on-server-down", text(port.onServerDown().configName()))
                .put("scheduler", text(port.scheduler().configName()))
                .put("maglev-table-size", integer(port.maglevTableSize()));
        limits(block, port.maxConnections(), port.minConnections());
        port.advisor().ifPresent(advisor -> block.put("advisor", advisor(advisor)));
        return block.put("servers", blockList(port.servers(), ConfigWriter::server)).node();
    }

    private static Node server(ServerConfig server) {
        Block block = new Block()
                .put("address", text(Ipv4.format(server.address())))
                .put("weight", integer(server.weight()));
        if (server.hasStaticMac()) {
            block.put("mac", text(MacAddress.format(server.mac())));
        }
        return limits(block, server.maxConnections(), server.minConnections()).node();
    }

    /** Connection limits as given: absent when not set, so a port's default stays a default. */
    private static Block limits(Block block, int max, int min) {
        if (max != ServerConfig.NO_LIMIT) {
            block.put("max-connections", integer(max));
        }
        if (min != ServerConfig.NO_LIMIT) {
            block.put("min-connections", integer(min));
        }
        return block;
    }

    private static Node advisor(AdvisorConfig advisor) {
        AdvisorType type = advisor.type();
        Block block = new Block().put("type", text(type.configName()));
        if (advisor.port() != 0) {
            block.put("port", integer(advisor.port()));
        }
        if (type == AdvisorType.HTTP || type == AdvisorType.HTTPS) {
            block.put("method", text(advisor.method()));
            if (!advisor.host().isEmpty()) {
                block.put("host", text(advisor.host()));
            }
            block.put("path", text(advisor.path()));
            block.put("expect-status", flowList(advisor.expectStatus(), ConfigWriter::integer));
            if (!advisor.bodyContains().isEmpty()) {
                block.put("body-contains", text(advisor.bodyContains()));
            }
        }
        if (type == AdvisorType.SCRIPT) {
            block.put("command", flowList(advisor.command(), ConfigWriter::text));
        }
        block.put("interval", duration(advisor.interval()));
        Duration connect = advisor.connectTimeout();
        Duration receive = advisor.receiveTimeout();
        if (connect.equals(receive)) {
            block.put("timeout", duration(connect));
        } else if (type != AdvisorType.SCRIPT) {
            block.put("connect-timeout", duration(connect));
            block.put("receive-timeout", duration(receive));
        } else {
            // A script may not name connect-timeout; timeout is the only key that sets it.
            if (!connect.equals(AdvisorConfig.DEFAULT_TIMEOUT)) {
                block.put("timeout", duration(connect));
            }
            block.put("receive-timeout", duration(receive));
        }
        return block.put("rise", integer(advisor.rise())).put("fall", integer(advisor.fall())).node();
    }

    private static Node flowTable(FlowTableConfig flowTable) {
        return new Block()
                .put("capacity", integer(flowTable.capacity()))
                .put("tcp-syn-timeout", duration(flowTable.tcpSynTimeout()))
                .put("tcp-established-timeout", duration(flowTable.tcpEstablishedTimeout()))
                .put("tcp-closing-timeout", duration(flowTable.tcpClosingTimeout()))
                .put("tcp-reset-timeout", duration(flowTable.tcpResetTimeout()))
                .put("udp-timeout", duration(flowTable.udpTimeout()))
                .put("restore", bool(flowTable.restore()))
                .put("tcp-unconfirmed-timeout", duration(flowTable.tcpUnconfirmedTimeout()))
                .put("max-new-flows-per-second", flowTable.maxNewFlowsPerSecond() == 0
                        ? text("off") : integer(flowTable.maxNewFlowsPerSecond()))
                .node();
    }

    private static Node arp(ArpConfig arp) {
        return new Block()
                .put("request-interval", duration(arp.requestInterval()))
                .put("refresh-interval", duration(arp.refreshInterval()))
                .put("expire-after", duration(arp.expireAfter()))
                .put("gratuitous-count", integer(arp.gratuitousCount()))
                .put("gratuitous-interval", duration(arp.gratuitousInterval()))
                .node();
    }

    private static Node io(IoConfig io) {
        Block block = new Block()
                .put("backend", text(io.backend().configName()))
                .put("snaplen", integer(io.snaplen()))
                .put("buffer-size", text(ByteSizes.format(io.bufferBytes())))
                .put("batch-size", integer(io.batchSize()))
                .put("poll-timeout", duration(io.pollTimeout()))
                .put("rx-ring", text(io.rxRing().configName()));
        if (io.rxRing() == RxRing.BLOCKS) {
            block.put("rx-block-timeout", duration(io.rxBlockTimeout()));
        }
        if (!io.busyPoll().isZero()) {
            // Absent means off: zero is not a duration the reader accepts.
            block.put("busy-poll", duration(io.busyPoll()));
        }
        return block.node();
    }

    private static Node pipeline(PipelineConfig pipeline) {
        return new Block()
                .put("mode", text(pipeline.mode().configName()))
                .put("workers", integer(pipeline.workers()))
                .put("ring-size", integer(pipeline.ringSize()))
                .put("wait-strategy", text(pipeline.waitStrategy().configName()))
                .node();
    }

    private static Node admin(AdminConfig admin) {
        return new Block()
                .put("listen", text(admin.host() + ":" + admin.port()))
                .put("token-file", text(admin.tokenFile().toString()))
                .node();
    }

    private static Node ha(HaConfig ha) {
        Block block = new Block()
                .put("role", text(ha.role().configName()))
                .put("node-id", integer(ha.nodeId()));
        if (ha.peerNodeId() != HaConfig.ANY_PEER_NODE) {
            block.put("peer-node-id", integer(ha.peerNodeId()));
        }
        block.put("peer", text(Ipv4.format(ha.peer())))
                .put("listen-port", integer(ha.listenPort()))
                .put("heartbeat-interval", duration(ha.heartbeatInterval()))
                .put("dead-after", duration(ha.deadAfter()))
                .put("key-file", text(ha.keyFile().toString()))
                .put("recovery", text(ha.recovery().configName()))
                .put("reach-targets", flowList(ha.reachTargets(), a -> text(Ipv4.format(a))));
        ha.notifyProgram().ifPresent(notify -> block.put("notify", text(notify.toString())));
        return block.node();
    }

    /** A mapping in block style, keys in the order they are put. */
    private static final class Block {
        private final List<NodeTuple> entries = new ArrayList<>();

        Block put(String key, Node value) {
            entries.add(new NodeTuple(text(key), value));
            return this;
        }

        Node node() {
            return new MappingNode(Tag.MAP, entries, FlowStyle.BLOCK);
        }
    }

    private static <T> Node blockList(List<T> values, Function<T, Node> node) {
        return new SequenceNode(Tag.SEQ, values.stream().map(node).toList(), FlowStyle.BLOCK);
    }

    private static <T> Node flowList(List<T> values, Function<T, Node> node) {
        return new SequenceNode(Tag.SEQ, values.stream().map(node).toList(), FlowStyle.FLOW);
    }

    /**
     * Text: plain where the loader reads it back as this same text, quoted (and escaped) where not.
     *
     * @throws IllegalArgumentException for a lone surrogate, which the emitter would turn into
     *                                  another character (the loader refuses one)
     */
    private static Node text(String value) {
        if (ValueReader.hasLoneSurrogate(value)) {
            throw new IllegalArgumentException("text with a lone surrogate cannot be written: "
                    + ValueReader.quote(value));
        }
        return new ScalarNode(Tag.STR, value, ScalarStyle.PLAIN);
    }

    private static Node integer(int value) {
        return new ScalarNode(Tag.INT, Integer.toString(value), ScalarStyle.PLAIN);
    }

    private static Node bool(boolean value) {
        return new ScalarNode(Tag.BOOL, Boolean.toString(value), ScalarStyle.PLAIN);
    }

    private static Node duration(Duration duration) {
        return text(Durations.format(duration));
    }

    /**
     * Characters that would end the header comment or that YAML does not allow raw in one (C0 and
     * C1 controls, DEL, lone surrogates, the byte order mark), or that some readers take for a
     * line break (U+2028, U+2029).
     */
    private static boolean breaksComment(int c) {
        return Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || c == 0xFEFF
                || Character.getType(c) == Character.SURROGATE;
    }
}
