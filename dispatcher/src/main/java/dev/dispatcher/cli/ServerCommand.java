package dev.dispatcher.cli;

import dev.dispatcher.admin.AdminClient;
import dev.dispatcher.admin.AdminClientException;
import dev.dispatcher.config.Durations;
import dev.dispatcher.control.api.ServerRef;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dispatcher server ...}: live changes to one real server of one service (dscontrol server). */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Change a real server of a running dispatcher: add, remove, weight, drain, manual up/down.",
        subcommands = {ServerCommand.Add.class, ServerCommand.Remove.class, ServerCommand.SetWeight.class,
            ServerCommand.Drain.class, ServerCommand.Up.class, ServerCommand.Down.class, ServerCommand.Auto.class})
final class ServerCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing subcommand (add, remove, set-weight, drain, up, down, auto)");
    }

    /** A change to one server. */
    abstract static class Change extends AdminCommand {
        @Mixin
        ServerOptions server;

        @Override
        final boolean changes() {
            return true;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a real server to a service; it takes new flows at once (unless its weight is 0).")
    static final class Add extends Change {
        @Option(names = "--weight", required = true, paramLabel = "N", description = "Share of new flows, 0 to 10000.")
        int weight;

        @Option(names = "--mac", paramLabel = "MAC",
                description = "Static MAC, e.g. 02:00:00:00:00:14 (default: resolved by ARP).")
        String mac;

        @Override
        int run(AdminClient client, PrintWriter out, PrintWriter err) throws AdminClientException {
            out.println(client.addServer(server.ref(), weight, mac));
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
            description = "Remove a real server; its flows follow the port's on-server-down policy.")
    static final class Remove extends Change {
        @Override
        int run(AdminClient client, PrintWriter out, PrintWriter err) throws AdminClientException {
            out.println(client.removeServer(server.ref()));
            return 0;
        }
    }

    @Command(name = "set-weight", mixinStandardHelpOptions = true, description = "Set a real server's weight.")
    static final class SetWeight extends Change {
        @Option(names = "--weight", required = true, paramLabel = "N", description = "Share of new flows, 0 to 10000.")
        int weight;

        @Override
        int run(AdminClient client, PrintWriter out, PrintWriter err) throws AdminClientException {
            out.println(client.setWeight(server.ref(), weight));
            return 0;
        }
    }

    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = {"Stop sending new flows to a real server; its existing flows continue.",
                "With --wait, wait until they have all closed: exit 0 when drained, "
                        + "1 when some remain at the deadline."})
    static final class Drain extends Change {
        /** How often --wait asks for the count. */
        static final Duration POLL = Duration.ofMillis(500);

        @Option(names = "--wait", description = "Poll the server's active connections every 500ms until none remain.")
        boolean await;

        @Option(names = "--timeout", defaultValue = "5m", paramLabel = "DURATION",
                converter = Converters.DurationText.class,
                description = "With --wait: how long to wait at most, e.g. 30s or 10m. Default: ${DEFAULT-VALUE}.")
        Duration timeout;

        @Override
        int run(AdminClient client, PrintWriter out, PrintWriter err)
                throws AdminClientException, InterruptedException {
            ServerRef ref = server.ref();
            out.println(client.drain(ref));
            if (!await) {
                return 0;
            }
            long start = System.nanoTime();
            long deadline = start + timeout.toNanos();
            long last = -1;
            while (true) {
                long active = client.activeConnections(ref);
                long now = System.nanoTime();
                if (active == 0) {
                    out.println("drained: no active connections left after " + elapsed(now - start));
                    return 0;
                }
                if (now - deadline >= 0) {
                    out.flush();
                    err.println("not drained after " + Durations.format(timeout) + ": " + active
                            + " active connection(s) remain on " + ref);
                    return DispatcherMain.EXIT_FAILURE;
                }
                if (active != last) {
                    out.println(active + " active connection(s), waiting up to " + Durations.format(timeout));
                    out.flush();
                    last = active;
                }
                Thread.sleep(Math.max(1, Math.min(POLL.toMillis(), (deadline - now) / 1_000_000)));
            }
        }

        private static String elapsed(long nanos) {
            return String.format(java.util.Locale.ROOT, "%.1fs", nanos / 1e9);
        }
    }

    /** A manual override. */
    abstract static class ManualState extends Change {
        abstract String state();

        @Override
        int run(AdminClient client, PrintWriter out, PrintWriter err) throws AdminClientException {
            out.println(client.override(server.ref(), state()));
            return 0;
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Mark a real server up whatever its advisor says (until `server auto`).")
    static final class Up extends ManualState {
        @Override
        String state() {
            return "up";
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true,
            description = "Mark a real server down whatever its advisor says (until `server auto`): no new flows.")
    static final class Down extends ManualState {
        @Override
        String state() {
            return "down";
        }
    }

    @Command(name = "auto", mixinStandardHelpOptions = true,
            description = "End a manual override: the real server follows its advisor again.")
    static final class Auto extends ManualState {
        @Override
        String state() {
            return "auto";
        }
    }
}
