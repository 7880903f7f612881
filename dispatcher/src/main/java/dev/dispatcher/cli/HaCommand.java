package dev.dispatcher.cli;

import dev.dispatcher.admin.AdminClient;
import dev.dispatcher.admin.AdminClientException;
import dev.dispatcher.control.api.HaStatusView;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dispatcher ha ...}: the high-availability pair (IBM dscontrol highavailability). */
@Command(name = "ha", mixinStandardHelpOptions = true,
        description = "The high-availability pair: status, takeover, and the role when another program decides.",
        subcommands = {HaCommand.Status.class, HaCommand.Takeover.class, HaCommand.Role.class})
final class HaCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (status, takeover, role)");
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "This node's role and state, the clusters it serves, its partner as last heard, "
                    + "sync position, reach targets and heartbeat counts.")
    static final class Status extends AdminCommand {
        @Option(names = "--json", description = "Print the admin API's JSON as it is.")
        boolean json;

        @Override
        boolean changes() {
            return false;
        }

        @Override
        int run(AdminClient client, PrintWriter out, PrintWriter err) throws AdminClientException {
            if (json) {
                out.println(client.getText("/ha"));
                return 0;
            }
            out.print(render(client.haStatus()));
            return 0;
        }

        static String render(HaStatusView s) {
            StringBuilder b = new StringBuilder();
            b.append("node ").append(s.nodeId()).append(" (").append(s.role()).append("): ").append(s.state())
                    .append('\n');
            b.append("  serves:   ").append(s.served().isEmpty() ? "nothing" : String.join(", ", s.served()))
                    .append('\n');
            b.append("  standby:  ").append(s.standby().isEmpty() ? "nothing" : String.join(", ", s.standby()))
                    .append('\n');
            HaStatusView.PartnerView p = s.partner();
            if (p == null) {
                b.append("partner: never heard\n");
            } else {
                b.append("partner: node ").append(p.nodeId()).append(" (").append(p.role()).append(") at ")
                        .append(p.address()).append(p.mac() == null ? "" : " " + p.mac()).append(": ")
                        .append(p.state()).append(", last heartbeat ").append(p.heartbeatAgeMs()).append(" ms ago")
                        .append(p.alive() ? "" : " (dead)").append('\n');
            }
            b.append("sync:     applied ").append(s.sync().applied()).append(" of the partner's flow records")
                    .append(p == null ? "" : ", the partner " + p.syncPosition() + " of ours")
                    .append(s.caughtUp() ? "; caught up" : "; behind (no takeover from a live partner yet)")
                    .append('\n');
            b.append("reach:    ").append(s.reached()).append(" of ").append(s.reachTargets()).append(" targets")
                    .append(p == null ? "" : ", partner " + p.reached()).append('\n');
            b.append("heartbeats: sent ").append(s.heartbeatsSent()).append(", accepted ")
                    .append(s.heartbeatsAccepted()).append(", rejected ").append(nonZero(s.heartbeatsRejected()))
                    .append('\n');
            b.append("changes:  ").append(nonZero(s.transitions()));
            if (s.lastChange() != null) {
                b.append("; last at ").append(Instant.ofEpochMilli(s.lastChangeEpochMs())).append(": ")
                        .append(s.lastChange());
            }
            return b.append('\n').toString();
        }

        private static String nonZero(Map<String, Long> counts) {
            String text = counts.entrySet().stream().filter(e -> e.getValue() > 0)
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
            return text.isEmpty() ? "none" : text;
        }
    }

    @Command(name = "takeover", mixinStandardHelpOptions = true,
            description = {"Take every cluster the partner serves (manual failback or switchover).",
                "Refused, with the reason, while this node's flow table is behind the partner's, with "
                        + "recovery: auto on the backup, or with role: external."})
    static final class Takeover extends AdminCommand {
        @Override
        boolean changes() {
            return true;
        }

        @Override
        int run(AdminClient client, PrintWriter out, PrintWriter err) throws AdminClientException {
            out.println(client.haTakeover());
            return 0;
        }
    }

    @Command(name = "role", mixinStandardHelpOptions = true,
            description = {"Set this node active or standby, with ha.role: external (keepalived's notify_master "
                    + "and notify_backup call this)."})
    static final class Role extends AdminCommand {
        /** Spelled as typed: picocli refuses anything else with a usage error (exit 2). */
        enum Name { active, standby }

        @Parameters(index = "0", paramLabel = "active|standby", description = "The role to take.")
        Name role;

        @Override
        boolean changes() {
            return true;
        }

        @Override
        int run(AdminClient client, PrintWriter out, PrintWriter err) throws AdminClientException {
            out.println(client.haRole(role.name()));
            return 0;
        }
    }
}
