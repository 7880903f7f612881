package dev.dispatcher.cli;

import dev.dispatcher.admin.AdminClient;
import dev.dispatcher.admin.AdminClientException;
import dev.dispatcher.control.api.Explanation;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Tell where a flow from a client to a VIP goes now, and why.")
final class ExplainCommand extends AdminCommand {
    @Option(names = "--client", required = true, paramLabel = "IP:PORT", converter = Converters.Ipv4Port.class,
            description = "The client's address and source port, e.g. 198.18.1.10:40000.")
    Converters.HostPort client;

    @Option(names = "--vip", required = true, paramLabel = "IP:PORT", converter = Converters.Ipv4Port.class,
            description = "The VIP and port the flow is sent to, e.g. 198.18.0.100:80.")
    Converters.HostPort vip;

    @Option(names = "--protocol", defaultValue = "tcp", paramLabel = "PROTOCOL", converter = Converters.Protocol.class,
            completionCandidates = Converters.Protocols.class,
            description = "${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    String protocol;

    @Override
    boolean changes() {
        return false;
    }

    @Override
    int run(AdminClient admin, PrintWriter out, PrintWriter err) throws AdminClientException {
        Explanation e = admin.explain(client.host(), client.port(), vip.host(), vip.port(), protocol);
        out.println("service     " + dash(e.service()));
        out.println("decision    " + dash(e.decision()));
        out.println("server      " + dash(e.server()));
        out.println("flow state  " + dash(e.flowState()));
        if (e.scheduler() != null) {
            out.println("scheduler   " + e.scheduler());
            out.println("maglev slot " + e.maglevSlot() + " of " + e.maglevSize());
            out.println("no SYN, no entry: " + dash(e.lostSegmentServer()) + " (the Maglev table's server)");
        }
        List<String> candidates = e.candidates() == null ? List.of() : e.candidates();
        for (int i = 0; i < candidates.size(); i++) {
            out.println((i == 0 ? "candidates  " : "            ") + candidates.get(i));
        }
        return 0;
    }

    private static String dash(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }
}
