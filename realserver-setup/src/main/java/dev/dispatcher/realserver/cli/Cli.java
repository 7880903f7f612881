package dev.dispatcher.realserver.cli;

import dev.dispatcher.realserver.kernel.SetupException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/**
 * Builds the command line and fixes the error conventions: every failure is one line on stderr
 * ({@code realserver-setup: error: ...}), exit 1; every usage error is one line, exit 2. A long
 * stack trace or a usage screen after "is configured on eth1" would bury the one fact that matters.
 */
@Command(name = "realserver-setup", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        synopsisSubcommandLabel = "COMMAND",
        description = {
            "Sets up, checks and rolls back hidden ARP on a real server behind a direct-server-return"
                    + " (MAC forwarding, LVS-DR style) load balancer: the VIP on lo, "
                    + "ARP for it answered only by the balancer.",
            "Exit status: 0 ok, 1 failure or problems found, 2 usage error."
        })
public final class Cli implements Runnable {
    private static final String NAME = "realserver-setup";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing COMMAND (plan, apply, check, remove or status)");
    }

    public static CommandLine commandLine(Environment env) {
        CommandLine cl = new CommandLine(new Cli());
        cl.addSubcommand(new PlanCommand(env));
        cl.addSubcommand(new ApplyCommand(env));
        cl.addSubcommand(new CheckCommand(env));
        cl.addSubcommand(new RemoveCommand(env));
        cl.addSubcommand(new StatusCommand(env));
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            String command = ex.getCommandLine().getCommandName();
            String where = command.equals(NAME) ? NAME : NAME + " " + command;
            err.println(NAME + ": " + oneLine(ex.getMessage()) + " (see '" + where + " --help')");
            err.flush();
            return CommandLine.ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            commandLine.getOut().flush();
            String message = switch (ex) {
                case SetupException s -> s.getMessage();
                case UncheckedIOException io -> io.getMessage();
                default -> "unexpected " + ex;
            };
            err.println(NAME + ": error: " + oneLine(message));
            err.flush();
            return CommandLine.ExitCode.SOFTWARE;
        });
        return cl;
    }

    /** Runs one command line and returns the exit status. */
    public static int run(Environment env, String... args) {
        CommandLine cl = commandLine(env);
        int status = cl.execute(args);
        cl.getOut().flush();
        return status;
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*\\R\\s*", "; ").strip();
    }

    /** The jar's Implementation-Version, as Maven wrote it into the manifest. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Cli.class.getPackage().getImplementationVersion();
            return new String[] {NAME + " " + (version == null ? "(development build)" : version)};
        }
    }
}
