package dev.dispatcher.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dispatcher.monitoring.MonitoringFiles.Expr;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;

/**
 * promtool (deploy/prometheus/promtool.sh: from PATH, else extracted from Debian's prometheus
 * package) accepts the Prometheus configuration and the alerting rules, the alert unit tests pass
 * and would catch a broken rule, and every dashboard expression parses. When promtool cannot be
 * obtained these tests are skipped, except under CI=true where they fail.
 */
class PrometheusRulesTest {
    private static final long TIMEOUT_SECONDS = 600;
    private static Run promtoolVersion;

    record Run(int exit, String output) {
    }

    @Test
    void promtoolScriptIsExecutable() {
        assertTrue(Files.isExecutable(MonitoringFiles.PROMTOOL), MonitoringFiles.PROMTOOL + " must be executable");
    }

    @Test
    void checkRules() {
        Run r = promtool("check", "rules", "deploy/prometheus/dispatcher-alerts.yml");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void checkConfig() {
        Run r = promtool("check", "config", "deploy/prometheus/prometheus.yml");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS: 1 rule files found"), r.output());
    }

    @Test
    void alertUnitTestsPass() {
        Run r = promtool("test", "rules", "deploy/prometheus/dispatcher-alerts.test.yml");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    /** The unit tests check, for the key alerts, both a firing and a quiet evaluation. */
    @SuppressWarnings("unchecked")
    @Test
    void alertUnitTestsCoverFiringAndQuiet() {
        Map<String, Object> root = (Map<String, Object>) MonitoringFiles.yaml(MonitoringFiles.ALERTS_TEST);
        Set<String> fires = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (Object t : (List<Object>) root.get("tests")) {
            for (Object a : (List<Object>) ((Map<String, Object>) t).get("alert_rule_test")) {
                Map<String, Object> check = (Map<String, Object>) a;
                List<Object> expected = (List<Object>) check.get("exp_alerts");
                (expected == null || expected.isEmpty() ? quiet : fires).add((String) check.get("alertname"));
            }
        }
        Set<String> all = new TreeSet<>();
        MonitoringFiles.rules(MonitoringFiles.ALERTS).forEach(r -> all.add((String) r.get("alert")));
        assertEquals(all, fires, "alerts with a firing test");
        assertEquals(all, quiet, "alerts with a quiet test");
    }

    /** Each broken rule makes `promtool test rules` fail: the unit tests have teeth. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            DispatcherArpConflict        | increase(dispatcher_arp_vip_conflicts_total[5m]) > 0 \
                | increase(dispatcher_arp_vip_conflicts_total[5m]) > 1
            DispatcherArpConflict        | increase(dispatcher_arp_vip_conflicts_total[5m]) > 0 \
                | dispatcher_arp_vip_conflicts_total >= 0
            DispatcherNoHealthyServer    | unless                                               | or
            DispatcherNoHealthyServer    | dispatcher_server_state{state="up"} == 1              \
                | dispatcher_server_state{state="drain"} == 1
            DispatcherConfigReloadFailed | dispatcher_config_last_reload_successful == 0        \
                | dispatcher_config_last_reload_successful < 2
            DispatcherConfigReloadFailed | dispatcher_config_last_reload_successful == 0        \
                | dispatcher_config_last_reload_successful == 2
            """)
    void brokenRuleFailsTheUnitTests(String alert, String original, String broken, @TempDir Path dir)
            throws IOException {
        String rules = Files.readString(MonitoringFiles.ALERTS);
        assertEquals(1, rules.split(Pattern.quote(original), -1).length - 1, "exactly one \"" + original + "\"");
        Files.writeString(dir.resolve(MonitoringFiles.ALERTS.getFileName()), rules.replace(original, broken));
        Files.copy(MonitoringFiles.ALERTS_TEST, dir.resolve(MonitoringFiles.ALERTS_TEST.getFileName()));
        Run r = promtool("test", "rules", dir.resolve(MonitoringFiles.ALERTS_TEST.getFileName()).toString());
        assertNotEquals(0, r.exit(), "still passes with " + broken + ":\n" + r.output());
        assertTrue(r.output().contains("alertname: " + alert), r.output());
    }

    /** Every dashboard expression and variable query parses as PromQL (checked as recording rules). */
    @Test
    void dashboardExpressionsParse(@TempDir Path dir) throws IOException {
        JsonNode dashboard = MonitoringFiles.dashboard();
        List<Map<String, Object>> rules = new ArrayList<>();
        List<Expr> exprs = new ArrayList<>(MonitoringFiles.panelExpressions(dashboard));
        Pattern labelValues = Pattern.compile("label_values\\((.+),\\s*\\w+\\)");
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                JsonNode q = v.path("query");
                Matcher m = labelValues.matcher(q.isObject() ? q.path("query").asText() : q.asText());
                assertTrue(m.matches(), "variable " + v.path("name").asText());
                exprs.add(new Expr("variable " + v.path("name").asText(), "group(" + m.group(1) + ")"));
            }
        }
        for (int i = 0; i < exprs.size(); i++) {
            Map<String, Object> rule = new LinkedHashMap<>();
            rule.put("record", "dashboard_expression_" + i);
            rule.put("expr", grafanaVariablesReplaced(exprs.get(i).expr()));
            rules.add(rule);
        }
        Path file = dir.resolve("dashboard-expressions.yml");
        Files.writeString(file, new Dump(DumpSettings.builder().build())
                .dumpToString(Map.of("groups", List.of(Map.of("name", "dashboard", "rules", rules)))));
        Run r = promtool("check", "rules", file.toString());
        assertEquals(0, r.exit(), r.output() + "\n" + numbered(exprs));
        assertTrue(r.output().contains("SUCCESS: " + exprs.size() + " rules found"), r.output());
    }

    private static String grafanaVariablesReplaced(String expr) {
        return expr.replace("$__rate_interval", "1m").replaceAll("\\$\\{?[A-Za-z_][A-Za-z0-9_]*}?", ".*");
    }

    private static String numbered(List<Expr> exprs) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < exprs.size(); i++) {
            b.append("dashboard_expression_").append(i).append(": ").append(exprs.get(i).where()).append('\n');
        }
        return b.toString();
    }

    /** Runs promtool.sh from the repository root; skips (or, under CI=true, fails) without promtool. */
    private static Run promtool(String... args) {
        synchronized (PrometheusRulesTest.class) {
            if (promtoolVersion == null) {
                promtoolVersion = run("--version");
            }
        }
        if (promtoolVersion.exit() != 0) {
            String problem = "promtool cannot be obtained (deploy/prometheus/promtool.sh --version exited "
                    + promtoolVersion.exit() + "):\n" + promtoolVersion.output();
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but " + problem);
            }
            assumeTrue(false, "skipped: " + problem);
        }
        return run(args);
    }

    private static Run run(String... args) {
        List<String> command = new ArrayList<>(List.of("bash", MonitoringFiles.PROMTOOL.toString()));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("promtool", ".out");
            try {
                Process p = new ProcessBuilder(command).directory(MonitoringFiles.REPO.toFile())
                        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return new Run(-1,
                            "timed out after " + TIMEOUT_SECONDS + "s: " + command + "\n" + Files.readString(out));
                }
                return new Run(p.exitValue(), Files.readString(out));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return new Run(-1, "cannot run " + command + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Run(-1, "interrupted: " + command);
        }
    }
}
