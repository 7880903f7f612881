package dev.dispatcher.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads the optional sections ({@code flow-table}, {@code arp}, {@code io}, {@code pipeline},
 * {@code admin}).
 * An absent section or key takes the default from the record's {@code DEFAULTS}; each method
 * returns null when something in its section was invalid (already reported).
 */
final class SettingsReader {
    static final List<String> FLOW_TABLE_KEYS = List.of("capacity", "tcp-syn-timeout", "tcp-established-timeout",
            "tcp-closing-timeout", "tcp-reset-timeout", "udp-timeout", "restore", "tcp-unconfirmed-timeout",
            "max-new-flows-per-second");
    static final List<String> ARP_KEYS = List.of("request-interval", "refresh-interval", "expire-after",
            "gratuitous-count", "gratuitous-interval");
    static final List<String> IO_KEYS = List.of("backend", "snaplen", "buffer-size", "batch-size", "poll-timeout",
            "rx-ring", "rx-block-timeout", "busy-poll");
    static final List<String> PIPELINE_KEYS = List.of("mode", "workers", "ring-size", "wait-strategy");
    static final List<String> ADMIN_KEYS = List.of("listen", "token-file");

    private final Problems problems;
    private final ValueReader values;

    SettingsReader(Problems problems, ValueReader values) {
        this.problems = problems;
        this.values = values;
    }

    FlowTableConfig flowTable(Node node, String path) {
        FlowTableConfig d = FlowTableConfig.DEFAULTS;
        if (node == null) {
            return d;
        }
        MappingReader m = MappingReader.openSection(node, path, FLOW_TABLE_KEYS, problems);
        if (m == null) {
            return null;
        }
        var timeout = durations(FlowTableConfig.MIN_TIMEOUT, FlowTableConfig.MAX_TIMEOUT);
        Integer capacity = m.optional("capacity", d.capacity(),
                (n, p) -> values.integer(n, p, FlowTableConfig.MIN_CAPACITY, FlowTableConfig.MAX_CAPACITY));
        Duration syn = m.optional("tcp-syn-timeout", d.tcpSynTimeout(), timeout);
        Duration established = m.optional("tcp-established-timeout", d.tcpEstablishedTimeout(), timeout);
        Duration closing = m.optional("tcp-closing-timeout", d.tcpClosingTimeout(), timeout);
        Duration reset = m.optional("tcp-reset-timeout", d.tcpResetTimeout(), timeout);
        Duration udp = m.optional("udp-timeout", d.udpTimeout(), timeout);
        Boolean restore = m.optional("restore", d.restore(), values::bool);
        Duration unconfirmed = m.optional("tcp-unconfirmed-timeout", d.tcpUnconfirmedTimeout(), timeout);
        Integer maxNewFlows = m.optional("max-new-flows-per-second", d.maxNewFlowsPerSecond(),
                (n, p) -> values.limitOrOff(n, p, FlowTableConfig.MAX_NEW_FLOWS_PER_SECOND));
        if (anyNull(capacity, syn, established, closing, reset, udp, restore, unconfirmed, maxNewFlows)) {
            return null;
        }
        return new FlowTableConfig(capacity, syn, established, closing, reset, udp, restore, unconfirmed, maxNewFlows);
    }

    ArpConfig arp(Node node, String path) {
        ArpConfig d = ArpConfig.DEFAULTS;
        if (node == null) {
            return d;
        }
        MappingReader m = MappingReader.openSection(node, path, ARP_KEYS, problems);
        if (m == null) {
            return null;
        }
        Duration request = m.optional("request-interval", d.requestInterval(),
                durations(ArpConfig.MIN_REQUEST_INTERVAL, ArpConfig.MAX_REQUEST_INTERVAL));
        Duration refresh = m.optional("refresh-interval", d.refreshInterval(),
                durations(ArpConfig.MIN_REFRESH_INTERVAL, ArpConfig.MAX_REFRESH_INTERVAL));
        Duration expire = m.optional("expire-after", d.expireAfter(),
                durations(ArpConfig.MIN_EXPIRE_AFTER, ArpConfig.MAX_EXPIRE_AFTER));
        Integer count = m.optional("gratuitous-count", d.gratuitousCount(),
                (n, p) -> values.integer(n, p, ArpConfig.MIN_GRATUITOUS_COUNT, ArpConfig.MAX_GRATUITOUS_COUNT));
        Duration gratuitous = m.optional("gratuitous-interval", d.gratuitousInterval(),
                durations(ArpConfig.MIN_GRATUITOUS_INTERVAL, ArpConfig.MAX_GRATUITOUS_INTERVAL));
        if (refresh != null && expire != null && expire.compareTo(refresh) <= 0) {
            // A live server must be asked again before its entry runs out, or its MAC would be
            // forgotten between refreshes and its flows dropped until the next answer.
            Site expireSite = m.site("expire-after");
            if (expireSite != null) {
                problems.report(expireSite, "must be longer than refresh-interval ("
                        + Durations.format(refresh) + "), found " + ValueReader.found(m.get("expire-after")));
            } else {
                problems.report(m.site("refresh-interval"), "must be shorter than expire-after ("
                        + Durations.format(expire) + ", the default), found "
                        + ValueReader.found(m.get("refresh-interval")));
            }
            return null;
        }
        if (anyNull(request, refresh, expire, count, gratuitous)) {
            return null;
        }
        return new ArpConfig(request, refresh, expire, count, gratuitous);
    }

    IoConfig io(Node node, String path) {
        IoConfig d = IoConfig.DEFAULTS;
        if (node == null) {
            return d;
        }
        MappingReader m = MappingReader.openSection(node, path, IO_KEYS, problems);
        if (m == null) {
            return null;
        }
        IoBackend backend = m.optional("backend", d.backend(), (n, p) -> values.choice(n, p, IoBackend.values()));
        Integer snaplen = m.optional("snaplen", d.snaplen(),
                (n, p) -> values.integer(n, p, IoConfig.MIN_SNAPLEN, IoConfig.MAX_SNAPLEN));
        Integer buffer = m.optional("buffer-size", d.bufferBytes(),
                (n, p) -> values.byteSize(n, p, IoConfig.MIN_BUFFER_BYTES, IoConfig.MAX_BUFFER_BYTES));
        Integer batch = m.optional("batch-size", d.batchSize(),
                (n, p) -> values.integer(n, p, IoConfig.MIN_BATCH_SIZE, IoConfig.MAX_BATCH_SIZE));
        Duration poll = m.optional("poll-timeout", d.pollTimeout(),
                durations(IoConfig.MIN_POLL_TIMEOUT, IoConfig.MAX_POLL_TIMEOUT));
        RxRing rxRing = m.optional("rx-ring", d.rxRing(), (n, p) -> values.choice(n, p, RxRing.values()));
        Duration blockTimeout = m.optional("rx-block-timeout", d.rxBlockTimeout(),
                durations(IoConfig.MIN_RX_BLOCK_TIMEOUT, IoConfig.MAX_RX_BLOCK_TIMEOUT));
        Duration busyPoll = m.optional("busy-poll", d.busyPoll(),
                durations(IoConfig.MIN_BUSY_POLL, IoConfig.MAX_BUSY_POLL));
        if (anyNull(backend, snaplen, buffer, batch, poll, rxRing, blockTimeout, busyPoll)) {
            return null;
        }
        // Every broken rule is reported, not only the first.
        boolean valid = true;
        if (backend != IoBackend.AFPACKET && rxRing == RxRing.BLOCKS) {
            // libpcap picks its own ring (immediate mode: per frame); blocks would be silently ignored.
            problems.report(m.site("rx-ring"), "blocks needs backend: afpacket (pcap4j receives frame by frame); "
                    + "remove the key or use rx-ring: frames");
            valid = false;
        }
        if (rxRing != RxRing.BLOCKS && m.get("rx-block-timeout") != null) {
            problems.report(m.site("rx-block-timeout"), "applies only with rx-ring: blocks (rx-ring is "
                    + rxRing.configName() + "), found " + ValueReader.found(m.get("rx-block-timeout")));
            valid = false;
        }
        if (backend != IoBackend.AFPACKET && !busyPoll.isZero()) {
            problems.report(m.site("busy-poll"), "only the afpacket backend busy-polls (io.backend is "
                    + backend.configName() + "); remove busy-poll or use backend: afpacket");
            valid = false;
        }
        if (!valid) {
            return null;
        }
        return new IoConfig(backend, snaplen, buffer, batch, poll, rxRing, blockTimeout, busyPoll);
    }

    /**
     * @param io the io section as read, or null when it was invalid (then the rules that relate
     *     the two sections are not judged, so one mistake makes one error)
     */
    PipelineConfig pipeline(Node node, String path, IoConfig io) {
        PipelineConfig d = PipelineConfig.DEFAULTS;
        if (node == null) {
            return d;
        }
        MappingReader m = MappingReader.openSection(node, path, PIPELINE_KEYS, problems);
        if (m == null) {
            return null;
        }
        PipelineMode mode = m.optional("mode", d.mode(), (n, p) -> values.choice(n, p, PipelineMode.values()));
        Integer workers = m.optional("workers", d.workers(),
                (n, p) -> values.integer(n, p, PipelineConfig.MIN_WORKERS, PipelineConfig.MAX_WORKERS));
        Integer ringSize = m.optional("ring-size", d.ringSize(),
                (n, p) -> values.powerOfTwo(n, p, PipelineConfig.MIN_RING_SIZE, PipelineConfig.MAX_RING_SIZE));
        WaitStrategyName wait = m.optional("wait-strategy", d.waitStrategy(),
                (n, p) -> values.choice(n, p, WaitStrategyName.values()));
        if (anyNull(mode, workers, ringSize, wait)) {
            return null;
        }
        if (mode == PipelineMode.FANOUT && io != null && io.backend() != IoBackend.AFPACKET) {
            // A fanout group is a property of AF_PACKET sockets; libpcap cannot join one.
            problems.report(m.site("mode"), "fanout needs io.backend: afpacket (io.backend is "
                    + io.backend().configName() + "); use mode: ring or backend: afpacket");
            return null;
        }
        return new PipelineConfig(mode, workers, ringSize, wait);
    }

    AdminConfig admin(Node node, String path) {
        AdminConfig d = AdminConfig.DEFAULTS;
        if (node == null) {
            return d;
        }
        MappingReader m = MappingReader.openSection(node, path, ADMIN_KEYS, problems);
        if (m == null) {
            return null;
        }
        ValueReader.HostPort listen = m.optional("listen", new ValueReader.HostPort(d.host(), d.port()),
                values::hostPort);
        // The token guards every change to the running dispatcher; a relative name would depend
        // on the directory the service happened to start in.
        String tokenFile = m.optional("token-file", d.tokenFile().toString(),
                (n, p) -> values.absolutePath(n, p, "an absolute path"));
        if (anyNull(listen, tokenFile)) {
            return null;
        }
        return new AdminConfig(listen.host(), listen.port(), Path.of(tokenFile));
    }

    private BiFunction<Node, String, Duration> durations(Duration min, Duration max) {
        return (node, path) -> values.duration(node, path, min, max);
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
