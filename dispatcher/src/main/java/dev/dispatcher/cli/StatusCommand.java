package dev.dispatcher.cli;

import dev.dispatcher.admin.AdminClient;
import dev.dispatcher.admin.AdminClientException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show clusters, ports and real servers with their state, weight, health and connections.")
final class StatusCommand extends AdminCommand {
    @Option(names = "--json", description = "Print the admin API's JSON as it is.")
    boolean json;

    @Override
    boolean changes() {
        return false;
    }

    @Override
    int run(AdminClient client, PrintWriter out, PrintWriter err) throws AdminClientException {
        out.print(json ? client.statusJson() : StatusTable.render(client.status()));
        return 0;
    }
}
