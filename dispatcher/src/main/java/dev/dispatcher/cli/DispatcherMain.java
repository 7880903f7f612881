package dev.dispatcher.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code dispatcher.jar}. */
@Command(name = "dispatcher", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        scope = CommandLine.ScopeType.INHERIT,
        description = "Layer-4 load balancer that forwards by MAC address (direct server return).",
        subcommands = {RunCommand.class, CheckConfigCommand.class, ReplayCommand.class, StatusCommand.class,
            ServerCommand.class, ReloadCommand.class, ConfigCommand.class, ExplainCommand.class, HaCommand.class,
            CompletionCommand.class, CommandLine.HelpCommand.class})
public final class DispatcherMain implements Runnable {
    /** Exit code for an invalid configuration (and picocli's usage errors). */
    public static final int EXIT_CONFIG = 2;
    /**
     * Exit code for a failure at run time (interface, permission, I/O), and for a refused or unreachable admin call.
     */
    public static final int EXIT_FAILURE = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new DispatcherMain());
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing command (run, check-config, replay, status, server, reload, config, explain, completion)");
    }
}
