package dev.dispatcher.monitoring;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Pulls the metric names, label matchers, grouping labels and range durations out of a PromQL
 * expression, without a full parser: a scanner that knows where PromQL puts names.
 *
 * <p>A metric name is an identifier that is not followed by {@code (} (that would be a function or
 * an aggregation: rate, sum, histogram_quantile, ...), is not an aggregation operator (sum by (x)
 * (...) puts by between the name and its parenthesis), is not a keyword (and, or, unless, bool,
 * offset, atan2, Inf, NaN) and is not inside a string, a label matcher list {@code {...}}, a range
 * or subquery {@code [...]}, or the label list of by, without, on, ignoring, group_left or
 * group_right. {@code {__name__="x"}} names metric x. Grafana variables ({@code $var},
 * {@code ${var}}) are skipped wherever they stand.
 */
public final class PromQlNames {
    private PromQlNames() {
    }

    /** One label matcher: label, operator (=, !=, =~, !~) and the unquoted value. */
    public record Matcher(String label, String op, String value) {
    }

    /** One vector selector: the metric name (null when the selector has none) and its matchers. */
    public record Selector(String metric, List<Matcher> matchers) {
    }

    /** What an expression uses. */
    public record Parsed(List<Selector> selectors, Set<String> groupingLabels, List<String> ranges,
                         Set<String> functions) {
        /** The metric names, in order of first use. */
        public Set<String> metricNames() {
            Set<String> names = new LinkedHashSet<>();
            for (Selector s : selectors) {
                if (s.metric() != null) {
                    names.add(s.metric());
                }
            }
            return names;
        }
    }

    private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
    /** Aggregations may put by/without between their name and the parenthesis: sum by (x) (...). */
    private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
            "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");

    /** The metric names an expression uses. */
    public static Set<String> metricNames(String expr) {
        return parse(expr).metricNames();
    }

    /** Scans an expression; throws IllegalArgumentException on unbalanced brackets or strings. */
    public static Parsed parse(String expr) {
        return new Scanner(expr).run();
    }

    private static final class Scanner {
        private final String s;
        private int i;
        private final List<Selector> selectors = new ArrayList<>();
        private final Set<String> grouping = new LinkedHashSet<>();
        private final List<String> ranges = new ArrayList<>();
        private final Set<String> functions = new LinkedHashSet<>();

        Scanner(String s) {
            this.s = s;
        }

        Parsed run() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '#') {
                    while (i < s.length() && s.charAt(i) != '\n') {
                        i++;
                    }
                } else if (c == '"' || c == '\'' || c == '`') {
                    string();
                } else if (c == '$') {
                    variable();
                } else if (c == '{') {
                    selector(null);
                } else if (c == '[') {
                    range();
                } else if (Character.isDigit(c)
                        || (c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                    number();
                } else if (identStart(c)) {
                    identifier();
                } else if (c == ']' || c == '}') {
                    throw error("unbalanced '" + c + "'");
                } else {
                    i++; // operators, parentheses, commas, @
                }
            }
            return new Parsed(List.copyOf(selectors), Set.copyOf(grouping), List.copyOf(ranges), Set.copyOf(functions));
        }

        private void identifier() {
            String word = word();
            String lower = word.toLowerCase(Locale.ROOT);
            int after = skipSpace(i);
            boolean call = after < s.length() && s.charAt(after) == '(';
            if (GROUPING.contains(lower)) {
                if (call) {
                    i = after + 1;
                    labelList();
                }
            } else if (KEYWORDS.contains(lower)) {
                // operator or number keyword: nothing to record
            } else if (call || AGGREGATIONS.contains(lower)) {
                functions.add(word);
            } else if (after < s.length() && s.charAt(after) == '{') {
                i = after;
                selector(word);
            } else {
                selectors.add(new Selector(word, List.of()));
            }
        }

        /** {@code by (a, b)}: the labels up to the closing parenthesis. */
        private void labelList() {
            while (true) {
                i = skipSpace(i);
                if (i >= s.length()) {
                    throw error("unclosed label list");
                }
                char c = s.charAt(i);
                if (c == ')') {
                    i++;
                    return;
                } else if (c == ',') {
                    i++;
                } else if (c == '$') {
                    variable();
                } else if (c == '"' || c == '\'') {
                    grouping.add(string());
                } else if (identStart(c)) {
                    grouping.add(word());
                } else {
                    throw error("unexpected '" + c + "' in a label list");
                }
            }
        }

        /** {@code {label op "value", ...}} at i; metric is the name before it, if any. */
        private void selector(String metric) {
            i++;
            List<Matcher> matchers = new ArrayList<>();
            while (true) {
                i = skipSpace(i);
                if (i >= s.length()) {
                    throw error("unclosed '{'");
                }
                char c = s.charAt(i);
                if (c == '}') {
                    i++;
                    break;
                } else if (c == ',') {
                    i++;
                    continue;
                }
                String label;
                if (c == '"' || c == '\'') {
                    label = string();
                } else if (identStart(c)) {
                    label = word();
                } else {
                    throw error("expected a label name, found '" + c + "'");
                }
                i = skipSpace(i);
                String op;
                if (s.startsWith("=~", i) || s.startsWith("!~", i) || s.startsWith("!=", i)) {
                    op = s.substring(i, i + 2);
                    i += 2;
                } else if (s.startsWith("=", i)) {
                    op = "=";
                    i++;
                } else {
                    throw error("expected a matcher operator after " + label);
                }
                i = skipSpace(i);
                if (i >= s.length() || "\"'`".indexOf(s.charAt(i)) < 0) {
                    throw error("expected a quoted value for " + label);
                }
                matchers.add(new Matcher(label, op, string()));
            }
            if (metric == null) {
                for (Matcher m : matchers) {
                    if (m.label().equals("__name__") && m.op().equals("=")) {
                        metric = m.value();
                    }
                }
            }
            selectors.add(new Selector(metric, List.copyOf(matchers)));
        }

        /** {@code [5m]}, {@code [$__rate_interval]}, {@code [1h:1m]}: recorded as written. */
        private void range() {
            int end = s.indexOf(']', i);
            if (end < 0) {
                throw error("unclosed '['");
            }
            ranges.add(s.substring(i + 1, end).strip());
            i = end + 1;
        }

        /** A quoted string at i; returns its content (escapes resolved for \" \' \\ only). */
        private String string() {
            char q = s.charAt(i++);
            StringBuilder b = new StringBuilder();
            while (i < s.length()) {
                char c = s.charAt(i++);
                if (c == q) {
                    return b.toString();
                }
                if (c == '\\' && q != '`' && i < s.length()) {
                    char n = s.charAt(i++);
                    if (n != q && n != '\\') {
                        b.append('\\');
                    }
                    b.append(n);
                } else {
                    b.append(c);
                }
            }
            throw error("unclosed string");
        }

        /** Grafana variables: $name, ${name}, ${name:format}. */
        private void variable() {
            i++;
            if (i < s.length() && s.charAt(i) == '{') {
                int end = s.indexOf('}', i);
                if (end < 0) {
                    throw error("unclosed ${");
                }
                i = end + 1;
            } else {
                while (i < s.length() && identPart(s.charAt(i))) {
                    i++;
                }
            }
        }

        /** Numbers and durations: 0.99, 1e-3, 0x1f, 5m, 1h30m. */
        private void number() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (Character.isLetterOrDigit(c) || c == '.' || c == '_') {
                    i++;
                } else if ((c == '+' || c == '-') && (s.charAt(i - 1) == 'e' || s.charAt(i - 1) == 'E')
                        && !s.startsWith("0x", i - 2)) {
                    i++;
                } else {
                    break;
                }
            }
        }

        private String word() {
            int start = i;
            while (i < s.length() && identPart(s.charAt(i))) {
                i++;
            }
            return s.substring(start, i);
        }

        private int skipSpace(int j) {
            while (j < s.length() && Character.isWhitespace(s.charAt(j))) {
                j++;
            }
            return j;
        }

        private static boolean identStart(char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        }

        private static boolean identPart(char c) {
            return identStart(c) || (c >= '0' && c <= '9');
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at offset " + i + " in: " + s);
        }
    }
}
