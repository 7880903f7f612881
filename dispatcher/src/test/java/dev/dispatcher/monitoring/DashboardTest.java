package dev.dispatcher.monitoring;

import static dev.dispatcher.monitoring.MonitoringFiles.DASHBOARD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dispatcher.metrics.MetricCatalog;
import dev.dispatcher.metrics.MetricCatalog.Family;
import dev.dispatcher.monitoring.MonitoringFiles.Expr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/grafana/dashboards/dispatcher.json has the structure Grafana needs, and every expression
 * of the dashboard and of the alerting rules uses only the metric names and labels of
 * {@link MetricCatalog} (plus Prometheus' own {@code up}).
 */
class DashboardTest {
    private static final String DATASOURCE_REF = "${datasource}";
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\)");

    private static JsonNode dashboard;
    private static List<JsonNode> panels;
    private static List<JsonNode> queryPanels;

    @BeforeAll
    static void load() {
        dashboard = MonitoringFiles.dashboard();
        panels = MonitoringFiles.panels(dashboard);
        queryPanels = panels.stream().filter(p -> !p.path("type").asText().equals("row")).toList();
    }

    @Test
    void dashboardHasUidTitleAndSchemaVersion() {
        assertEquals("dispatcher", dashboard.path("uid").asText(), "uid");
        assertEquals("Dispatcher", dashboard.path("title").asText(), "title");
        assertTrue(dashboard.path("schemaVersion").isInt(), "schemaVersion must be a number");
        int schema = dashboard.path("schemaVersion").asInt();
        assertTrue(schema >= 36 && schema <= 41, "schemaVersion " + schema + " (expected 36..41, Grafana 9.x-11.x)");
        assertTrue(dashboard.path("panels").isArray() && !dashboard.path("panels").isEmpty(), "panels");
        assertTrue(dashboard.path("id").isNull() || dashboard.path("id").isMissingNode(),
                "a provisioned dashboard carries no database id");
    }

    @Test
    void everyPanelHasIdTypeTitleAndGridPos() {
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : panels) {
            String where = "panel " + p.path("title").asText("?");
            assertTrue(p.path("id").isInt(), where + ": id");
            assertTrue(ids.add(p.path("id").asInt()), where + ": duplicate id " + p.path("id").asInt());
            assertFalse(p.path("type").asText().isBlank(), where + ": type");
            assertFalse(p.path("title").asText().isBlank(), "panel " + p.path("id") + ": title");
            JsonNode g = p.path("gridPos");
            for (String k : List.of("h", "w", "x", "y")) {
                assertTrue(g.path(k).isInt(), where + ": gridPos." + k);
            }
            int x = g.path("x").asInt();
            int w = g.path("w").asInt();
            assertTrue(x >= 0 && w >= 1 && x + w <= 24, where + ": x=" + x + " w=" + w + " leaves the 24 columns");
            assertTrue(g.path("y").asInt() >= 0 && g.path("h").asInt() >= 1, where + ": y/h");
        }
    }

    @Test
    void panelsDoNotOverlap() {
        List<JsonNode> all = new ArrayList<>(panels);
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                JsonNode a = all.get(i).path("gridPos");
                JsonNode b = all.get(j).path("gridPos");
                boolean apart = a.path("x").asInt() + a.path("w").asInt() <= b.path("x").asInt()
                        || b.path("x").asInt() + b.path("w").asInt() <= a.path("x").asInt()
                        || a.path("y").asInt() + a.path("h").asInt() <= b.path("y").asInt()
                        || b.path("y").asInt() + b.path("h").asInt() <= a.path("y").asInt();
                assertTrue(apart, "panels \"" + all.get(i).path("title").asText() + "\" and \""
                        + all.get(j).path("title").asText() + "\" overlap");
            }
        }
    }

    @Test
    void everyQueryPanelHasTargetsThroughTheDatasourceVariable() {
        assertTrue(queryPanels.size() >= 20, "expected a full dashboard, found " + queryPanels.size() + " panels");
        for (JsonNode p : queryPanels) {
            String where = "panel \"" + p.path("title").asText() + "\"";
            assertEquals(DATASOURCE_REF, p.path("datasource").path("uid").asText(), where + ": datasource");
            assertEquals("prometheus", p.path("datasource").path("type").asText(), where + ": datasource type");
            assertTrue(p.path("targets").isArray() && !p.path("targets").isEmpty(), where + ": targets");
            Set<String> refIds = new HashSet<>();
            for (JsonNode t : p.path("targets")) {
                assertFalse(t.path("expr").asText().isBlank(), where + ": target without expr");
                String refId = t.path("refId").asText();
                assertFalse(refId.isBlank(), where + ": target without refId");
                assertTrue(refIds.add(refId), where + ": duplicate refId " + refId);
                assertEquals(DATASOURCE_REF, t.path("datasource").path("uid").asText(),
                        where + " " + refId + ": datasource");
            }
        }
        for (JsonNode row : panels.stream().filter(p -> p.path("type").asText().equals("row")).toList()) {
            assertEquals(24, row.path("gridPos").path("w").asInt(), "row " + row.path("title") + " spans the width");
        }
    }

    @Test
    void templateVariables() {
        Map<String, JsonNode> vars = new HashMap<>();
        for (JsonNode v : dashboard.path("templating").path("list")) {
            vars.put(v.path("name").asText(), v);
        }
        JsonNode ds = vars.get("datasource");
        assertTrue(ds != null, "variable datasource");
        assertEquals("datasource", ds.path("type").asText());
        assertEquals("prometheus", ds.path("query").asText());
        for (String name : List.of("instance", "cluster")) {
            JsonNode v = vars.get(name);
            assertTrue(v != null, "variable " + name);
            assertEquals("query", v.path("type").asText(), name + ": type");
            assertEquals(DATASOURCE_REF, v.path("datasource").path("uid").asText(), name + ": datasource");
            String query = variableQuery(v);
            Matcher m = LABEL_VALUES.matcher(query);
            assertTrue(m.matches(), name + ": expected label_values(selector, label), got " + query);
            assertEquals(name, m.group(2), name + ": label_values of the label it is named after");
            Expr e = new Expr("variable " + name, m.group(1));
            assertEquals(List.of(), MonitoringFiles.problems(e, Set.of()));
            for (String metric : PromQlNames.metricNames(m.group(1))) {
                assertTrue(MonitoringFiles.labelsOf(metric).contains(m.group(2)),
                        name + ": " + metric + " has no label " + m.group(2));
            }
        }
    }

    @Test
    void everyRateUsesRateIntervalAndEverySelectorTheInstanceVariable() {
        List<String> problems = new ArrayList<>();
        for (Expr e : MonitoringFiles.panelExpressions(dashboard)) {
            PromQlNames.Parsed p = PromQlNames.parse(e.expr());
            for (String range : p.ranges()) {
                if (!range.equals("$__rate_interval")) {
                    problems.add(e.where() + ": range [" + range + "] instead of [$__rate_interval]");
                }
            }
            for (String f : List.of("rate", "irate", "increase", "delta", "idelta", "deriv")) {
                if (p.functions().contains(f) && !e.expr().contains("[$__rate_interval]")) {
                    problems.add(e.where() + ": " + f + " without [$__rate_interval]");
                }
            }
            for (PromQlNames.Selector s : p.selectors()) {
                boolean filtered = s.matchers().stream().anyMatch(m -> m.label().equals("instance")
                        && m.op().equals("=~") && m.value().equals("$instance"));
                if (!filtered) {
                    problems.add(e.where() + ": " + s.metric() + " lacks instance=~\"$instance\"");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void dashboardUsesOnlyCatalogNamesAndLabels() {
        List<String> problems = new ArrayList<>();
        for (Expr e : MonitoringFiles.panelExpressions(dashboard)) {
            problems.addAll(MonitoringFiles.problems(e, recordedNames()));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void alertAndRecordingRulesUseOnlyCatalogNamesAndLabels() {
        List<String> problems = new ArrayList<>();
        List<Map<String, Object>> rules = MonitoringFiles.rules(MonitoringFiles.ALERTS);
        assertFalse(rules.isEmpty());
        for (Map<String, Object> r : rules) {
            String name = String.valueOf(r.containsKey("alert") ? r.get("alert") : r.get("record"));
            problems.addAll(MonitoringFiles.problems(new Expr("rule " + name, String.valueOf(r.get("expr"))),
                    recordedNames()));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void theDashboardShowsEveryMetricFamily() {
        Set<String> used = new LinkedHashSet<>();
        for (Expr e : MonitoringFiles.panelExpressions(dashboard)) {
            used.addAll(PromQlNames.metricNames(e.expr()));
        }
        List<String> missing = new ArrayList<>();
        for (Family f : MetricCatalog.FAMILIES) {
            if (f.samples().stream().noneMatch(used::contains)) {
                missing.add(f.name());
            }
        }
        assertEquals(List.of(), missing, "families without a panel");
    }

    @Test
    void rowsAndKeyPanels() {
        List<String> rows = panels.stream().filter(p -> p.path("type").asText().equals("row"))
                .map(p -> p.path("title").asText()).toList();
        assertEquals(List.of("Overview", "Per server", "Drops by reason", "Health", "ARP conflicts",
                "Ring and capture drops", "Latency", "Flow table", "Advisors", "Configuration", "High availability"),
                rows);
        assertEquals("state-timeline", panelUsing("dispatcher_ha_state{state=\"active\"").path("type").asText(),
                "who is active, over time");

        JsonNode arp = panelUsing("increase(dispatcher_arp_vip_conflicts_total");
        assertEquals("red", arp.path("fieldConfig").path("defaults").path("color").path("fixedColor").asText(),
                "ARP conflicts are drawn in red");
        assertEquals("state-timeline", panelUsing("dispatcher_server_state{state=\"drain\"").path("type").asText());
        JsonNode latency = panelUsing("dispatcher_packet_processing_seconds_bucket");
        String exprs = targets(latency);
        assertTrue(exprs.contains("histogram_quantile(0.5,") && exprs.contains("histogram_quantile(0.99,"), exprs);
        String drops = targets(panelUsing("sum by (reason) (rate(dispatcher_dropped_packets_total"));
        assertFalse(drops.isEmpty());
        assertEquals("normal", panelUsing("sum by (reason) (rate(dispatcher_dropped_packets_total")
                .path("fieldConfig").path("defaults").path("custom").path("stacking").path("mode").asText(),
                "drops by reason are stacked");
        String share = targets(panelUsing("rate(dispatcher_connections_total"));
        assertTrue(share.contains("group_left") && share.contains("dispatcher_server_weight"),
                "connection share next to weight share: " + share);
    }

    @SuppressWarnings("unchecked")
    @Test
    void provisioningPointsAtPrometheusAndTheDashboardsFolder() {
        Map<String, Object> ds = (Map<String, Object>) MonitoringFiles.yaml(MonitoringFiles.GRAFANA_DATASOURCE);
        assertEquals(1, ds.get("apiVersion"));
        Map<String, Object> source = (Map<String, Object>) ((List<Object>) ds.get("datasources")).get(0);
        assertEquals("prometheus", source.get("type"));
        assertTrue(String.valueOf(source.get("url")).startsWith("http"), "datasource url");
        Map<String, Object> prom = (Map<String, Object>) MonitoringFiles.yaml(MonitoringFiles.PROMETHEUS_CONFIG);
        String scrape = String.valueOf(((Map<String, Object>) prom.get("global")).get("scrape_interval"));
        assertEquals(scrape, ((Map<String, Object>) source.get("jsonData")).get("timeInterval"),
                "Grafana's timeInterval equals Prometheus' scrape interval ($__rate_interval depends on it)");

        Map<String, Object> dash = (Map<String, Object>) MonitoringFiles.yaml(MonitoringFiles.GRAFANA_DASHBOARDS);
        assertEquals(1, dash.get("apiVersion"));
        Map<String, Object> provider = (Map<String, Object>) ((List<Object>) dash.get("providers")).get(0);
        assertEquals("file", provider.get("type"));
        String path = String.valueOf(((Map<String, Object>) provider.get("options")).get("path"));
        assertTrue(path.startsWith("/"), "provider path is absolute: " + path);
        assertTrue(DASHBOARD.getParent().endsWith("deploy/grafana/dashboards"));
    }

    @SuppressWarnings("unchecked")
    @Test
    void prometheusScrapesTheDispatcherAndLoadsTheRules() {
        Map<String, Object> prom = (Map<String, Object>) MonitoringFiles.yaml(MonitoringFiles.PROMETHEUS_CONFIG);
        assertEquals("15s", ((Map<String, Object>) prom.get("global")).get("scrape_interval"));
        List<Object> ruleFiles = (List<Object>) prom.get("rule_files");
        assertTrue(ruleFiles.contains(MonitoringFiles.ALERTS.getFileName().toString()), "rule_files: " + ruleFiles);
        Map<String, Object> job = (Map<String, Object>) ((List<Object>) prom.get("scrape_configs")).get(0);
        assertEquals("dispatcher", job.get("job_name"), "DispatcherDown watches up{job=\"dispatcher\"}");
        assertEquals("/metrics", job.get("metrics_path"));
        assertEquals("15s", job.get("scrape_interval"));
        Map<String, Object> statics = (Map<String, Object>) ((List<Object>) job.get("static_configs")).get(0);
        assertEquals(List.of("127.0.0.1:9100"), statics.get("targets"), "admin.listen default");
    }

    @SuppressWarnings("unchecked")
    @Test
    void theAlertsOperatorsNeed() {
        Map<String, Map<String, Object>> alerts = MonitoringFiles.rules(MonitoringFiles.ALERTS).stream()
                .filter(r -> r.containsKey("alert"))
                .collect(Collectors.toMap(r -> (String) r.get("alert"), r -> r));
        Map<String, String> severities = Map.of("DispatcherArpConflict", "critical",
                "DispatcherNoHealthyServer", "critical", "DispatcherServerDown", "warning",
                "DispatcherDropsRising", "warning", "DispatcherFlowTableNearFull", "warning",
                "DispatcherConfigReloadFailed", "warning", "DispatcherDown", "critical",
                "DispatcherHaNoStandby", "warning", "DispatcherHaSplitBrain", "critical");
        assertEquals(severities.keySet(), alerts.keySet());
        severities.forEach((name, severity) -> {
            Map<String, Object> rule = alerts.get(name);
            assertEquals(severity, ((Map<String, Object>) rule.get("labels")).get("severity"), name + ": severity");
            Map<String, Object> annotations = (Map<String, Object>) rule.get("annotations");
            for (String key : List.of("summary", "description", "runbook")) {
                Object text = annotations.get(key);
                assertTrue(text != null && !text.toString().isBlank(), name + ": annotation " + key);
            }
            assertTrue(String.valueOf(annotations.get("runbook")).contains("README-monitoring.md#"
                    + name.toLowerCase()), name + ": runbook points at its section");
        });
        Map<String, Object> arp = alerts.get("DispatcherArpConflict");
        assertTrue(String.valueOf(arp.get("expr")).contains("increase(dispatcher_arp_vip_conflicts_total[5m]) > 0"));
        assertTrue(String.valueOf(((Map<String, Object>) arp.get("annotations")).get("description"))
                .contains("the alert operators need most"));
        assertEquals("1m", alerts.get("DispatcherServerDown").get("for"));
        assertTrue(String.valueOf(alerts.get("DispatcherDown").get("expr")).contains("up{job=\"dispatcher\"} == 0"));
    }

    @Test
    void everyAlertHasARunbookSectionInTheReadme() throws Exception {
        String readme = java.nio.file.Files.readString(MonitoringFiles.REPO.resolve("deploy/README-monitoring.md"));
        for (Map<String, Object> r : MonitoringFiles.rules(MonitoringFiles.ALERTS)) {
            if (r.containsKey("alert")) {
                assertTrue(readme.contains("### " + r.get("alert")), "README section ### " + r.get("alert"));
            }
        }
    }

    private static Set<String> recordedNames() {
        return MonitoringFiles.rules(MonitoringFiles.ALERTS).stream().filter(r -> r.containsKey("record"))
                .map(r -> (String) r.get("record")).collect(Collectors.toSet());
    }

    private static String variableQuery(JsonNode v) {
        JsonNode q = v.path("query");
        return q.isObject() ? q.path("query").asText() : q.asText();
    }

    private static JsonNode panelUsing(String fragment) {
        return queryPanels.stream().filter(p -> targets(p).contains(fragment)).findFirst()
                .orElseThrow(() -> new AssertionError("no panel queries " + fragment));
    }

    private static String targets(JsonNode p) {
        StringBuilder b = new StringBuilder();
        for (JsonNode t : p.path("targets")) {
            b.append(t.path("expr").asText()).append('\n');
        }
        return b.toString();
    }
}
