package dev.dispatcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns JMH's JSON result ({@code -rf json}, run with {@code -prof gc}) into
 * {@code bench/JMH-RESULTS.md}: the machine, the command, and one row per benchmark and parameter
 * set with the median ns/op, JMH's score and error, the ratio to the parse baseline, the
 * allocation per operation and the latency target where there is one. Run by {@code bench/jmh.sh}.
 *
 * <p>Exits 1 when a benchmark allocates ({@code gc.alloc.rate.norm} above {@link #ALLOC_LIMIT}) or
 * has no allocation figure at all (run without {@code -prof gc}): every benchmark here measures
 * the per-packet path, where the rule is no allocation after warm-up. Targets are reported, not
 * enforced: on a shared machine a missed target is as likely to be a neighbour as a regression.
 *
 * <p>A benchmark named in {@code --expected} (JMH's {@code -l} for the same selection) without a
 * result failed during the run (JMH goes on with the others): it gets a row saying so, the
 * exception messages found in {@code --log} are quoted, and the exit status is 1.
 *
 * <p>Usage: {@code JmhReport --json FILE --out FILE --command TEXT [--expected FILE] [--log FILE]
 * [--load-before TEXT]}.
 */
public final class JmhReport {
    /**
     * Above this, a benchmark allocates. JMH divides all bytes the JVM allocated during an
     * iteration by the operations, and its own bookkeeping (iteration results, timers, the
     * profiler's MXBean calls) allocates a few kilobytes per iteration: over millions of
     * operations that is 0.001-0.03 B/op, while one real allocation per operation is at least 16
     * B/op (the smallest object). 0.5 separates the two with room on both sides.
     */
    static final double ALLOC_LIMIT = 0.5;
    static final String BASELINE = "CodecBenchmark.parseTcpFrame";
    /** Reported targets in ns/op (issue 6), judged on the median. */
    static final Map<String, Double> TARGETS = Map.of(
            "ForwarderBenchmark.establishedFlow", 50.0,
            "ForwarderBenchmark.newFlowHalfFull", 150.0,
            "ForwarderBenchmark.newFlow", 150.0);
    /** Report order: baseline, whole decision, its parts, the ring. */
    static final List<String> CLASS_ORDER = List.of(
            "CodecBenchmark", "ForwarderBenchmark", "NewFlowBenchmark", "FlowTableBenchmark", "MaglevBenchmark",
            "RingHopBenchmark");
    /**
     * Control-plane work measured beside the packet path (a table build whenever servers change):
     * it allocates what it builds, so the allocation rule does not apply to it.
     */
    static final java.util.Set<String> CONTROL_PLANE = java.util.Set.of("MaglevBenchmark.build");

    record Row(String name, String params, double median, double min, double max, double score, double error,
               String unit, double bytesPerOp, int samples) {
        String className() {
            return name.substring(0, name.indexOf('.'));
        }
    }

    private JmhReport() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        for (String required : List.of("--json", "--out", "--command")) {
            if (!options.containsKey(required)) {
                System.err.println("usage: JmhReport --json FILE --out FILE --command TEXT [--load-before TEXT]");
                System.exit(2);
            }
        }
        JsonNode results = new ObjectMapper().readTree(Path.of(options.get("--json")).toFile());
        if (!results.isArray() || results.isEmpty()) {
            System.err.println("JmhReport: no results in " + options.get("--json"));
            System.exit(1);
        }
        List<Row> rows = rows(results);
        List<String> missing = new ArrayList<>();
        if (options.containsKey("--expected")) {
            for (String full : Files.readAllLines(Path.of(options.get("--expected")))) {
                String name = shortName(full.trim());
                if (!full.isBlank() && rows.stream().noneMatch(r -> r.name.equals(name))) {
                    missing.add(name);
                }
            }
        }
        // A tear-down check that throws after the measurement leaves a result in the JSON and JMH's
        // exit status at 0: only the log tells, so exceptions are tied to the benchmark running.
        Map<String, List<String>> errors = new LinkedHashMap<>();
        if (options.containsKey("--log") && Files.isReadable(Path.of(options.get("--log")))) {
            String current = "(before any benchmark)";
            for (String line : Files.readAllLines(Path.of(options.get("--log")))) {
                String l = line.strip();
                if (l.startsWith("# Benchmark: ")) {
                    current = shortName(l.substring("# Benchmark: ".length()).trim());
                } else if (l.matches("^(Suppressed: )?[\\w.$]+(Exception|Error): .*")) {
                    List<String> list = errors.computeIfAbsent(current, k -> new ArrayList<>());
                    if (!list.contains(l)) {
                        list.add(l);
                    }
                }
            }
        }
        String report = render(rows, missing, errors, results, options);
        Files.writeString(Path.of(options.get("--out")), report, StandardCharsets.UTF_8);
        System.out.println("wrote " + options.get("--out"));

        List<String> failures = new ArrayList<>();
        for (Row row : rows) {
            if (CONTROL_PLANE.contains(row.name)) {
                continue;
            }
            if (Double.isNaN(row.bytesPerOp)) {
                failures.add(row.name + row.params + ": no gc.alloc.rate.norm (run with -prof gc)");
            } else if (row.bytesPerOp > ALLOC_LIMIT) {
                failures.add(row.name + row.params
                        + String.format(Locale.ROOT, ": allocates %.2f B/op", row.bytesPerOp));
            }
        }
        missing.forEach(name -> failures.add(name + ": failed during the run, no result"));
        errors.forEach((name, list) -> failures.add(name + ": " + list.getFirst()));
        failures.forEach(f -> System.err.println("FAIL " + f));
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    static List<Row> rows(JsonNode results) {
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : results) {
            String name = shortName(r.path("benchmark").asText());
            StringBuilder params = new StringBuilder();
            for (Map.Entry<String, JsonNode> p : r.path("params").properties()) {
                params.append(params.isEmpty() ? "" : ", ").append(p.getKey()).append('=')
                        .append(p.getValue().asText());
            }
            JsonNode primary = r.path("primaryMetric");
            List<Double> raw = new ArrayList<>();
            primary.path("rawData").forEach(fork -> fork.forEach(v -> raw.add(v.asDouble())));
            raw.sort(Comparator.naturalOrder());
            JsonNode norm = r.path("secondaryMetrics").path("gc.alloc.rate.norm");
            rows.add(new Row(name, params.toString(), median(raw),
                    raw.isEmpty() ? Double.NaN : raw.getFirst(), raw.isEmpty() ? Double.NaN : raw.getLast(),
                    primary.path("score").asDouble(Double.NaN), primary.path("scoreError").asDouble(Double.NaN),
                    primary.path("scoreUnit").asText(),
                    norm.isMissingNode() ? Double.NaN : norm.path("score").asDouble(Double.NaN), raw.size()));
        }
        rows.sort(Comparator.comparingInt((Row row) -> {
            int i = CLASS_ORDER.indexOf(row.className());
            return i < 0 ? CLASS_ORDER.size() : i;
        }));
        return rows;
    }

    /** {@code Class.method} of a fully qualified benchmark name. */
    static String shortName(String full) {
        String[] parts = full.split("\\.");
        return parts.length < 2 ? full : parts[parts.length - 2] + "." + parts[parts.length - 1];
    }

    static double median(List<Double> sorted) {
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static String render(List<Row> rows, List<String> missing, Map<String, List<String>> errors, JsonNode results,
                         Map<String, String> options) throws IOException, InterruptedException {
        JsonNode first = results.get(0);
        double baseline = rows.stream().filter(r -> r.name.equals(BASELINE)).mapToDouble(Row::median).findFirst()
                .orElse(Double.NaN);
        StringBuilder out = new StringBuilder();
        out.append("# JMH results: the per-packet path\n\n");
        out.append("Written by `bench/jmh.sh` (")
                .append(ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS)
                        .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME))
                .append("); overwritten by each run. What each benchmark measures:"
                        + " [README.md](README.md#jmh-the-per-packet-path).\n\n");
        out.append("## Machine\n\n");
        out.append("- CPU: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores\n");
        out.append("- kernel: ")
                .append(firstLine(Path.of("/proc/sys/kernel/osrelease"), System.getProperty("os.version")))
                .append('\n');
        out.append("- load average (1, 5, 15 min) before: ").append(options.getOrDefault("--load-before", "?"))
                .append("; after: ").append(loadAverage())
                .append(" (the machine is shared: a load above the core count means the figures include waiting)\n");
        out.append("- `java -version`: ").append(javaVersion()).append('\n');
        out.append("- benchmark JVM: ").append(first.path("jvm").asText())
                .append(", JMH ").append(first.path("jmhVersion").asText())
                .append("; fork options (each class's `@Fork`): ").append(forkOptions(results)).append("\n\n");
        out.append("## Command\n\n    ").append(options.get("--command")).append("\n\n");
        out.append("## Figures\n\n");
        out.append("Median of the measurement iterations (min-max), JMH's mean with its 99.9% error,"
                        + " the median's ratio to the ")
                .append("parse baseline (`").append(BASELINE)
                .append("`) of the same run, and the allocation per operation ")
                .append("(`gc.alloc.rate.norm`; more than ").append(ALLOC_LIMIT).append(" B/op fails the run). ")
                .append("Targets are judged on the median and reported, not enforced.\n\n");
        out.append("| benchmark | params | median ns/op (min-max) | mean ± error | x parse | B/op | target |\n");
        out.append("|---|---|---:|---:|---:|---:|---|\n");
        for (Row r : rows) {
            Double target = TARGETS.get(r.name);
            String targetText = target == null ? "" : String.format(Locale.ROOT, "<= %.0f: %s", target,
                    r.median <= target ? "met" : "missed");
            String bytes = Double.isNaN(r.bytesPerOp) ? "n/a" : String.format(Locale.ROOT, "%.2f", r.bytesPerOp)
                    + (CONTROL_PLANE.contains(r.name) ? " (control plane)"
                            : r.bytesPerOp > ALLOC_LIMIT ? " ALLOCATES" : "");
            String unit = r.unit.equals("ns/op") ? "" : " " + r.unit;
            String failed = errors.containsKey(r.name) ? " **FAILED**" : "";
            out.append(String.format(Locale.ROOT, "| `%s`%s | %s | %s (%s-%s)%s | %s ± %s | %s | %s | %s |%n",
                    r.name, failed, r.params.isEmpty() ? "" : r.params, num(r.median), num(r.min), num(r.max), unit,
                    num(r.score), num(r.error),
                    Double.isNaN(baseline) || !r.unit.equals("ns/op") ? "n/a"
                            : String.format(Locale.ROOT, "%.2f", r.median / baseline),
                    bytes, targetText));
        }
        for (String name : missing) {
            out.append("| `").append(name).append("` |  | FAILED: no result |  |  |  |  |\n");
        }
        out.append('\n');
        if (!missing.isEmpty() || !errors.isEmpty()) {
            out.append("## Failures\n\nExceptions in JMH's output, by benchmark."
                            + " A tear-down check that fails means the ")
                    .append("benchmark did not measure the case it claims,"
                            + " so its figure above is not that case's.\n\n");
            errors.forEach((name, list) -> {
                out.append("- `").append(name).append("`:\n\n");
                list.forEach(e -> out.append("      ").append(e).append('\n'));
                out.append('\n');
            });
            out.append('\n');
        }
        return out.toString();
    }

    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }

    /** Each distinct set of JVM options and the classes whose forks ran with it. */
    private static String forkOptions(JsonNode results) {
        Map<String, List<String>> classesByOptions = new LinkedHashMap<>();
        for (JsonNode r : results) {
            String options = String.join(" ", texts(r.path("jvmArgs")));
            String[] parts = r.path("benchmark").asText().split("\\.");
            List<String> classes = classesByOptions.computeIfAbsent(options, k -> new ArrayList<>());
            if (!classes.contains(parts[parts.length - 2])) {
                classes.add(parts[parts.length - 2]);
            }
        }
        List<String> text = new ArrayList<>();
        classesByOptions.forEach((options, classes) ->
                text.add("`" + options + "` (" + String.join(", ", classes) + ")"));
        return String.join("; ", text);
    }

    private static List<String> texts(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(n -> list.add(n.asText()));
        return list;
    }

    private static String cpuModel() throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return System.getProperty("os.arch");
        }
        return Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(System.getProperty("os.arch"));
    }

    private static String loadAverage() throws IOException {
        String line = firstLine(Path.of("/proc/loadavg"), "? ? ?");
        String[] f = line.split(" ");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : line;
    }

    private static String firstLine(Path path, String fallback) throws IOException {
        if (!Files.isReadable(path)) {
            return fallback;
        }
        List<String> lines = Files.readAllLines(path);
        return lines.isEmpty() ? fallback : lines.getFirst().trim();
    }

    /** {@code java -version} of the JDK running this report, which {@code jmh.sh} also runs the benchmarks with. */
    private static String javaVersion() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return String.join("; ", text.strip().lines().limit(3).toList());
    }
}
