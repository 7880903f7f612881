package dev.dispatcher.config;

import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

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
 * advisor's type, and {@code io.rx-block-timeout} unless {@code io.rx-ring} is blocks. Text is written plain when it is unambiguous, else double-quoted and escaped.
 *
 * <p>The writer does not validate: a configuration built by hand that breaks a rule (two MACs
 * for one address, say) is written as it is, and loading the text reports the problem. Every
 * configuration the loader returned is written to a file the loader accepts.
 */
public final class ConfigWriter {
    private static final String INDENT = "  ";
    /**
     * Text that needs no quotes in block or flow context: no indicator first, no ':', '#', ',',
     * brackets, quotes or spaces anywhere. "null" and "Null" match and are quoted separately.
     */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_/.][A-Za-z0-9_/.=+?&%~-]*");
    private static final List<String> NULL_WORDS = List.of("null", "Null", "NULL");

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
        if (writtenAt.codePoints().anyMatch(ConfigWriter::needsEscape)) {
            throw new IllegalArgumentException("writtenAt must be one line of printable text, found "
                    + ValueReader.quote(writtenAt));
        }
        StringBuilder yaml = new StringBuilder();
        yaml.append("# Written by the dispatcher at ").append(writtenAt).append(".\n");
        yaml.append("# Every value is set, defaults included; docs/CONFIG.md describes each key.\n");
        yaml.append("interface: ").append(text(config.interfaceName())).append('\n');
        yaml.append("clusters:").append(config.clusters().isEmpty() ? " []" : "").append('\n');
        for (ClusterConfig cluster : config.clusters()) {
            cluster(yaml, cluster);
        }
        flowTable(yaml, config.flowTable());
        arp(yaml, config.arp());
        io(yaml, config.io());
        pipeline(yaml, config.pipeline());
        admin(yaml, config.admin());
        return yaml.toString();
    }

    private static void cluster(StringBuilder yaml, ClusterConfig cluster) {
        item(yaml, 1, "address", Ipv4.format(cluster.address()));
        key(yaml, 2, "ports", cluster.ports().isEmpty() ? "[]" : "");
        for (PortConfig port : cluster.ports()) {
            item(yaml, 3, "port", Integer.toString(port.port()));
            key(yaml, 4, "protocol", port.protocol().configName());
            key(yaml, 4, "on-server-down", port.onServerDown().configName());
            port.advisor().ifPresent(advisor -> advisor(yaml, advisor));
            key(yaml, 4, "servers", port.servers().isEmpty() ? "[]" : "");
            for (ServerConfig server : port.servers()) {
                item(yaml, 5, "address", Ipv4.format(server.address()));
                key(yaml, 6, "weight", Integer.toString(server.weight()));
                if (server.hasStaticMac()) {
                    key(yaml, 6, "mac", MacAddress.format(server.mac()));
                }
            }
        }
    }

    private static void advisor(StringBuilder yaml, AdvisorConfig advisor) {
        AdvisorType type = advisor.type();
        key(yaml, 4, "advisor", "");
        key(yaml, 5, "type", type.configName());
        if (advisor.port() != 0) {
            key(yaml, 5, "port", Integer.toString(advisor.port()));
        }
        if (type == AdvisorType.HTTP || type == AdvisorType.HTTPS) {
            key(yaml, 5, "method", text(advisor.method()));
            if (!advisor.host().isEmpty()) {
                key(yaml, 5, "host", text(advisor.host()));
            }
            key(yaml, 5, "path", text(advisor.path()));
            key(yaml, 5, "expect-status", flowList(advisor.expectStatus(), String::valueOf));
            if (!advisor.bodyContains().isEmpty()) {
                key(yaml, 5, "body-contains", text(advisor.bodyContains()));
            }
        }
        if (type == AdvisorType.SCRIPT) {
            key(yaml, 5, "command", flowList(advisor.command(), ConfigWriter::text));
        }
        key(yaml, 5, "interval", Durations.format(advisor.interval()));
        Duration connect = advisor.connectTimeout();
        Duration receive = advisor.receiveTimeout();
        if (connect.equals(receive)) {
            key(yaml, 5, "timeout", Durations.format(connect));
        } else if (type != AdvisorType.SCRIPT) {
            key(yaml, 5, "connect-timeout", Durations.format(connect));
            key(yaml, 5, "receive-timeout", Durations.format(receive));
        } else {
            // A script may not name connect-timeout; timeout is the only key that sets it.
            if (!connect.equals(AdvisorConfig.DEFAULT_TIMEOUT)) {
                key(yaml, 5, "timeout", Durations.format(connect));
            }
            key(yaml, 5, "receive-timeout", Durations.format(receive));
        }
        key(yaml, 5, "rise", Integer.toString(advisor.rise()));
        key(yaml, 5, "fall", Integer.toString(advisor.fall()));
    }

    private static void flowTable(StringBuilder yaml, FlowTableConfig flowTable) {
        key(yaml, 0, "flow-table", "");
        key(yaml, 1, "capacity", Integer.toString(flowTable.capacity()));
        key(yaml, 1, "tcp-syn-timeout", Durations.format(flowTable.tcpSynTimeout()));
        key(yaml, 1, "tcp-established-timeout", Durations.format(flowTable.tcpEstablishedTimeout()));
        key(yaml, 1, "tcp-closing-timeout", Durations.format(flowTable.tcpClosingTimeout()));
        key(yaml, 1, "tcp-reset-timeout", Durations.format(flowTable.tcpResetTimeout()));
        key(yaml, 1, "udp-timeout", Durations.format(flowTable.udpTimeout()));
    }

    private static void arp(StringBuilder yaml, ArpConfig arp) {
        key(yaml, 0, "arp", "");
        key(yaml, 1, "request-interval", Durations.format(arp.requestInterval()));
        key(yaml, 1, "refresh-interval", Durations.format(arp.refreshInterval()));
        key(yaml, 1, "expire-after", Durations.format(arp.expireAfter()));
        key(yaml, 1, "gratuitous-count", Integer.toString(arp.gratuitousCount()));
        key(yaml, 1, "gratuitous-interval", Durations.format(arp.gratuitousInterval()));
    }

    private static void io(StringBuilder yaml, IoConfig io) {
        key(yaml, 0, "io", "");
        key(yaml, 1, "backend", io.backend().configName());
        key(yaml, 1, "snaplen", Integer.toString(io.snaplen()));
        key(yaml, 1, "buffer-size", ByteSizes.format(io.bufferBytes()));
        key(yaml, 1, "batch-size", Integer.toString(io.batchSize()));
        key(yaml, 1, "poll-timeout", Durations.format(io.pollTimeout()));
        key(yaml, 1, "rx-ring", io.rxRing().configName());
        if (io.rxRing() == RxRing.BLOCKS) {
            key(yaml, 1, "rx-block-timeout", Durations.format(io.rxBlockTimeout()));
        }
        if (!io.busyPoll().isZero()) {
            // Absent means off: zero is not a duration the reader accepts.
            key(yaml, 1, "busy-poll", Durations.format(io.busyPoll()));
        }
    }

    private static void pipeline(StringBuilder yaml, PipelineConfig pipeline) {
        key(yaml, 0, "pipeline", "");
        key(yaml, 1, "mode", pipeline.mode().configName());
        key(yaml, 1, "workers", Integer.toString(pipeline.workers()));
        key(yaml, 1, "ring-size", Integer.toString(pipeline.ringSize()));
        key(yaml, 1, "wait-strategy", pipeline.waitStrategy().configName());
    }

    private static void admin(StringBuilder yaml, AdminConfig admin) {
        key(yaml, 0, "admin", "");
        // HOST:PORT is plain in block context: an IPv4 address or "localhost", a colon, digits.
        key(yaml, 1, "listen", admin.host() + ":" + admin.port());
        key(yaml, 1, "token-file", text(admin.tokenFile().toString()));
    }

    /** {@code key: value} at {@code depth}; an empty value opens a nested block. */
    private static void key(StringBuilder yaml, int depth, String key, String value) {
        yaml.append(INDENT.repeat(depth)).append(key).append(':');
        if (!value.isEmpty()) {
            yaml.append(' ').append(value);
        }
        yaml.append('\n');
    }

    /** The first key of a list element: {@code - key: value}, its siblings one level deeper. */
    private static void item(StringBuilder yaml, int depth, String key, String value) {
        yaml.append(INDENT.repeat(depth)).append("- ").append(key).append(": ").append(value).append('\n');
    }

    private static <T> String flowList(List<T> values, Function<T, String> format) {
        return values.stream().map(format).reduce((a, b) -> a + ", " + b).map(list -> "[" + list + "]").orElse("[]");
    }

    /** Free text as a scalar that reads back as exactly this text, never as null. */
    static String text(String value) {
        if (PLAIN.matcher(value).matches() && !NULL_WORDS.contains(value)) {
            return value;
        }
        StringBuilder quoted = new StringBuilder("\"");
        value.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                case '\r' -> quoted.append("\\r");
                default -> {
                    if (needsEscape(c)) {
                        quoted.append(String.format("\\u%04X", c));
                    } else {
                        quoted.appendCodePoint(c);
                    }
                }
            }
        });
        return quoted.append('"').toString();
    }

    /**
     * Characters YAML does not allow raw in a double-quoted scalar or a comment (C0 and C1
     * controls, DEL, lone surrogates, the byte order mark) or that some readers take for a line
     * break (U+2028, U+2029).
     */
    private static boolean needsEscape(int c) {
        return Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || c == 0xFEFF
                || Character.getType(c) == Character.SURROGATE;
    }
}
