package dev.dispatcher.cli;

import dev.dispatcher.control.api.ReloadResult;
import dev.dispatcher.control.api.StatusView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** {@code dispatcher status} for a person: one block per cluster, one table per port. */
final class StatusTable {
    static final String ALL_DOWN = "ALL SERVERS DOWN: new flows are dropped";
    private static final List<String> HEADER = List.of("SERVER", "STATE", "REASON", "WEIGHT", "HEALTH", "OVERRIDE",
            "MAC", "ACTIVE", "TOTAL");
    /** Numbers are right-aligned. */
    private static final List<Integer> NUMERIC = List.of(7, 8);

    private StatusTable() {
    }

    static String render(StatusView status) {
        StringBuilder out = new StringBuilder();
        out.append("dispatcher on ").append(dash(status.interfaceName())).append(" (").append(dash(status.mac()))
                .append("), mode ").append(dash(status.mode())).append(", config ").append(dash(status.configFile()))
                .append('\n');
        out.append("last reload: ").append(reload(status.lastReload())).append('\n');
        if (status.restoreNote() != null) {
            out.append("flows restored: ").append(status.flowsRestored()).append(" (").append(status.restoreNote())
                    .append(")\n");
        }
        if (status.counters() != null && !status.counters().isEmpty()) {
            out.append("frames: ").append(status.counters().entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))).append('\n');
        }
        if (status.clusters() == null || status.clusters().isEmpty()) {
            out.append("\nno clusters configured\n");
            return out.toString();
        }
        for (StatusView.ClusterView cluster : status.clusters()) {
            out.append("\ncluster ").append(cluster.vip()).append('\n');
            for (StatusView.PortView port : cluster.ports()) {
                out.append("  port ").append(port.port()).append('/').append(port.protocol())
                        .append("  advisor ").append(port.advisor() == null ? "none" : port.advisor())
                        .append("  on-server-down ").append(dash(port.onServerDown())).append('\n');
                if (port.allServersDown()) {
                    out.append("    ").append(ALL_DOWN).append('\n');
                }
                if (port.servers().isEmpty()) {
                    out.append("    (no servers)\n");
                    continue;
                }
                List<List<String>> rows = new ArrayList<>();
                rows.add(HEADER);
                for (StatusView.ServerView s : port.servers()) {
                    rows.add(List.of(s.address(), dash(s.state()), dash(s.reason()),
                            s.weight() + "/" + s.configuredWeight(), dash(s.health()), dash(s.override()),
                            dash(s.mac()), active(s), Long.toString(s.totalConnections())));
                }
                table(out, "    ", rows);
            }
        }
        return out.toString();
    }

    /** Active flows, and with a limit "active/max", marked "full" at the limit. */
    private static String active(StatusView.ServerView s) {
        if (s.maxConnections() <= 0) {
            return Long.toString(s.activeConnections());
        }
        return s.activeConnections() + "/" + s.maxConnections() + (s.atLimit() ? " full" : "");
    }

    private static String reload(ReloadResult last) {
        if (last == null) {
            return "none since start";
        }
        String when = Instant.ofEpochMilli(last.atEpochMs()).toString();
        if (last.applied()) {
            int changes = last.changes() == null ? 0 : last.changes().size();
            return "applied at " + when + " (" + changes + " change(s))";
        }
        int errors = last.errors() == null ? 0 : last.errors().size();
        return "REFUSED at " + when + " (" + errors + " error(s); the previous configuration is still running)";
    }

    private static void table(StringBuilder out, String indent, List<List<String>> rows) {
        int columns = HEADER.size();
        int[] widths = new int[columns];
        for (List<String> row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int c = 0; c < columns; c++) {
                String cell = row.get(c);
                String pad = " ".repeat(widths[c] - cell.length());
                line.append(NUMERIC.contains(c) ? pad + cell : cell + pad);
                if (c < columns - 1) {
                    line.append("  ");
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String dash(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }
}
