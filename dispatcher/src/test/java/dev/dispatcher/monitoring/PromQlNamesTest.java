package dev.dispatcher.monitoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dispatcher.monitoring.PromQlNames.Matcher;
import dev.dispatcher.monitoring.PromQlNames.Parsed;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlNamesTest {

    @Test
    void bareMetricAndSelector() {
        assertEquals(Set.of("up"), PromQlNames.metricNames("up"));
        Parsed p = PromQlNames.parse("up{job=\"dispatcher\", instance=~\"10\\\\..*\"} == 0");
        assertEquals(Set.of("up"), p.metricNames());
        assertEquals(List.of(new Matcher("job", "=", "dispatcher"), new Matcher("instance", "=~", "10\\..*")),
                p.selectors().get(0).matchers());
    }

    @Test
    void functionsAggregationsAndGroupingAreNotMetrics() {
        Parsed p = PromQlNames.parse(
                "sum by (cluster, port) (rate(dispatcher_connections_total{cluster=~\"$cluster\"}[$__rate_interval]))");
        assertEquals(Set.of("dispatcher_connections_total"), p.metricNames());
        assertEquals(Set.of("cluster", "port"), p.groupingLabels());
        assertEquals(List.of("$__rate_interval"), p.ranges());
        assertEquals(Set.of("sum", "rate"), p.functions());
    }

    @Test
    void trailingByAndWithout() {
        Parsed p = PromQlNames.parse("sum(rate(a_total[5m])) by (le) + count without (server, state) (b == 1)");
        assertEquals(Set.of("a_total", "b"), p.metricNames());
        assertEquals(Set.of("le", "server", "state"), p.groupingLabels());
    }

    @Test
    void vectorMatchingKeywords() {
        Parsed p = PromQlNames.parse("""
                sum by (cluster, port, protocol, server) (x)
                / ignoring (server) group_left
                sum by (cluster, port, protocol) (y)
                and on (cluster) group_right (extra) z
                unless w > bool 3 or v offset 1h
                """);
        assertEquals(Set.of("x", "y", "z", "w", "v"), p.metricNames());
        assertEquals(Set.of("cluster", "port", "protocol", "server", "extra"), p.groupingLabels());
    }

    @Test
    void histogramQuantileAndNumbers() {
        Parsed p = PromQlNames.parse("histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m:30s]))) * 1e-3 "
                + "+ 0x1f - Inf + NaN + .5 * 2.5E+2 > 1h");
        assertEquals(Set.of("h_bucket"), p.metricNames());
        assertEquals(List.of("5m:30s"), p.ranges());
    }

    @Test
    void stringsVariablesAndCommentsHideIdentifiers() {
        Parsed p = PromQlNames.parse("""
                label_replace(m{a="not_a_metric{x}", b!~'single (quoted)'}, "dst", "$1", "src", "(.*)") # c_comment
                + on (${group}) n{instance=~"$instance"} * $factor
                """);
        assertEquals(Set.of("m", "n"), p.metricNames());
        assertEquals(List.of(new Matcher("a", "=", "not_a_metric{x}"), new Matcher("b", "!~", "single (quoted)")),
                p.selectors().get(0).matchers());
    }

    @Test
    void nameMatcherAndNamelessSelector() {
        Parsed p = PromQlNames.parse("{__name__=\"dispatcher_ring_capacity\", instance=\"a\"} + count({job=\"x\"})");
        assertEquals(Set.of("dispatcher_ring_capacity"), p.metricNames());
        assertNull(p.selectors().get(1).metric());
    }

    @Test
    void keywordsAreCaseInsensitive() {
        assertEquals(Set.of("a", "b"), PromQlNames.metricNames("SUM BY (x) (a) AND ON (x) b"));
    }

    @Test
    void unbalancedInputIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> PromQlNames.parse("a{b=\"c\""));
        assertThrows(IllegalArgumentException.class, () -> PromQlNames.parse("rate(a[5m)"));
        assertThrows(IllegalArgumentException.class, () -> PromQlNames.parse("a{b=\"c}"));
        assertThrows(IllegalArgumentException.class, () -> PromQlNames.parse("a{b c}"));
        assertThrows(IllegalArgumentException.class, () -> PromQlNames.parse("a]"));
    }
}
