package dev.dispatcher.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dispatcher.metrics.MetricCatalog;
import dev.dispatcher.metrics.MetricCatalog.Family;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The monitoring files under deploy/ and what their expressions may use. Maven runs the tests with
 * the dispatcher module as working directory, so the repository is {@code ..}.
 */
final class MonitoringFiles {
    private MonitoringFiles() {
    }

    static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    static final Path DASHBOARD = REPO.resolve("deploy/grafana/dashboards/dispatcher.json");
    static final Path GRAFANA_DATASOURCE = REPO.resolve("deploy/grafana/provisioning/datasources/prometheus.yaml");
    static final Path GRAFANA_DASHBOARDS = REPO.resolve("deploy/grafana/provisioning/dashboards/dispatcher.yaml");
    static final Path PROMETHEUS_CONFIG = REPO.resolve("deploy/prometheus/prometheus.yml");
    static final Path ALERTS = REPO.resolve("deploy/prometheus/dispatcher-alerts.yml");
    static final Path ALERTS_TEST = REPO.resolve("deploy/prometheus/dispatcher-alerts.test.yml");
    static final Path PROMTOOL = REPO.resolve("deploy/prometheus/promtool.sh");

    /** Labels Prometheus adds to every scraped series. */
    static final Set<String> TARGET_LABELS = Set.of("job", "instance");

    /** The values an enumerated label takes, per family (MetricCatalog names the labels only). */
    static final Map<String, Map<String, Set<String>>> LABEL_VALUES = Map.of(
            "dispatcher_dropped_packets_total", Map.of("reason", Set.of("truncated", "bad_header", "fragment",
                    "no_service", "no_server", "table_full", "oversize", "capture_truncated", "bad_checksum",
                    "ring_full", "send_error", "bad_source_mac", "spoofed_source", "server_full")),
            "dispatcher_passed_packets_total", Map.of("reason", Set.of("arp_replied", "arp_learned", "arp_ignored",
                    "not_ipv4", "not_vip", "not_our_mac")),
            "dispatcher_server_state", Map.of("state", Set.of("up", "down", "drain", "removed")),
            "dispatcher_flow_lookups_total", Map.of("result", Set.of("hit", "miss_syn", "miss_no_syn", "rescheduled")),
            "dispatcher_flow_evictions_total", Map.of("reason", Set.of("expired", "capacity")),
            "dispatcher_flow_capacity_evictions_total", Map.of("state", Set.of("udp", "syn", "established",
                    "closing", "reset", "unconfirmed")),
            "dispatcher_flow_restore_skipped_total", Map.of("reason", Set.of("missing", "unreadable", "corrupt",
                    "truncated", "version", "too_old", "pair_gone", "expired", "invalid")),
            "dispatcher_config_reloads_total", Map.of("result", Set.of("success", "failure")));

    private static final Pattern WORD_ALTERNATION = Pattern.compile("[a-z0-9_]+(\\|[a-z0-9_]+)*");

    static JsonNode dashboard() {
        try {
            return new ObjectMapper().readTree(DASHBOARD.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Object yaml(Path file) {
        try {
            return new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every panel, rows and the panels of collapsed rows included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            for (JsonNode inner : p.path("panels")) {
                out.add(inner);
            }
        }
        return out;
    }

    /** An expression and where it stands, for messages. */
    record Expr(String where, String expr) {
    }

    static List<Expr> panelExpressions(JsonNode dashboard) {
        List<Expr> out = new ArrayList<>();
        for (JsonNode p : panels(dashboard)) {
            for (JsonNode t : p.path("targets")) {
                out.add(new Expr("panel " + p.path("id").asText() + " \"" + p.path("title").asText() + "\" target "
                        + t.path("refId").asText(), t.path("expr").asText()));
            }
        }
        return out;
    }

    /** Alerting and recording rules of a rules file: each rule's map (alert or record, expr, ...). */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> rules(Path file) {
        List<Map<String, Object>> out = new ArrayList<>();
        Map<String, Object> root = (Map<String, Object>) yaml(file);
        for (Object g : (List<Object>) root.get("groups")) {
            for (Object r : (List<Object>) ((Map<String, Object>) g).get("rules")) {
                out.add((Map<String, Object>) r);
            }
        }
        return out;
    }

    static Optional<Family> family(String sampleName) {
        return MetricCatalog.FAMILIES.stream().filter(f -> f.samples().contains(sampleName)).findFirst();
    }

    /** Labels a sample may carry: its family's, the target labels, and le on histogram buckets. */
    static Set<String> labelsOf(String sampleName) {
        Set<String> labels = new LinkedHashSet<>(TARGET_LABELS);
        family(sampleName).ifPresent(f -> labels.addAll(f.labels()));
        if (sampleName.endsWith("_bucket") && family(sampleName).map(f -> f.type().equals("histogram")).orElse(false)) {
            labels.add("le");
        }
        return labels;
    }

    /**
     * The problems of one expression: names outside the catalog (besides {@code up} and the given
     * recorded names), matchers on labels the family lacks or with values the label never takes,
     * and grouping by labels none of the expression's metrics has.
     */
    static List<String> problems(Expr e, Set<String> recorded) {
        List<String> problems = new ArrayList<>();
        PromQlNames.Parsed parsed;
        try {
            parsed = PromQlNames.parse(e.expr());
        } catch (IllegalArgumentException ex) {
            return List.of(e.where() + ": " + ex.getMessage());
        }
        if (parsed.selectors().isEmpty()) {
            problems.add(e.where() + ": no metric in " + e.expr());
        }
        Set<String> usable = new LinkedHashSet<>(TARGET_LABELS);
        for (PromQlNames.Selector s : parsed.selectors()) {
            String name = s.metric();
            if (name == null) {
                problems.add(e.where() + ": selector without a metric name");
                continue;
            }
            boolean known = name.equals("up") || recorded.contains(name) || family(name).isPresent();
            if (!known) {
                problems.add(e.where() + ": " + name + " is not in MetricCatalog.sampleNames()");
                continue;
            }
            if (recorded.contains(name)) {
                continue; // a recording rule's labels are whatever its expression keeps
            }
            Set<String> labels = labelsOf(name);
            usable.addAll(labels);
            Map<String, Set<String>> values = family(name).map(f -> LABEL_VALUES.getOrDefault(f.name(), Map.of()))
                    .orElse(Map.of());
            for (PromQlNames.Matcher m : s.matchers()) {
                if (m.label().equals("__name__")) {
                    continue;
                }
                if (!labels.contains(m.label())) {
                    problems.add(e.where() + ": " + name + " has no label " + m.label() + " (it has " + labels + ")");
                    continue;
                }
                Set<String> allowed = values.get(m.label());
                if (allowed == null || m.value().contains("$")) {
                    continue;
                }
                boolean regex = m.op().endsWith("~");
                if (!regex || WORD_ALTERNATION.matcher(m.value()).matches()) {
                    for (String v : regex ? m.value().split("\\|") : new String[] {m.value()}) {
                        if (!allowed.contains(v)) {
                            problems.add(e.where() + ": " + name + "{" + m.label() + "} never takes the value \""
                                    + v + "\" (values: " + allowed + ")");
                        }
                    }
                }
            }
        }
        for (String g : parsed.groupingLabels()) {
            if (!usable.contains(g) && !parsed.metricNames().stream().anyMatch(recorded::contains)) {
                problems.add(e.where() + ": groups by " + g + ", a label none of " + parsed.metricNames() + " has");
            }
        }
        return problems;
    }
}
