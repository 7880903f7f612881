package dev.dispatcher.cli;

import dev.dispatcher.admin.AdminClient;
import dev.dispatcher.admin.AdminClientException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code dispatcher config ...}: the running configuration, with live changes (dscontrol file). */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Show the running configuration or save it to its file.",
        subcommands = {ConfigCommand.Show.class, ConfigCommand.Save.class})
final class ConfigCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (show, save)");
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the running configuration as YAML, live changes included.")
    static final class Show extends AdminCommand {
        @Override
        boolean changes() {
            return false;
        }

        @Override
        int run(AdminClient client, PrintWriter out, PrintWriter err) throws AdminClientException {
            String yaml = client.runningConfigYaml();
            out.print(yaml.endsWith("\n") ? yaml : yaml + "\n");
            return 0;
        }
    }

    @Command(name = "save", mixinStandardHelpOptions = true,
            description = "Write the running configuration, live changes included, back to its file; prints the path.")
    static final class Save extends AdminCommand {
        @Override
        boolean changes() {
            return true;
        }

        @Override
        int run(AdminClient client, PrintWriter out, PrintWriter err) throws AdminClientException {
            out.println(client.saveConfig());
            return 0;
        }
    }
}
