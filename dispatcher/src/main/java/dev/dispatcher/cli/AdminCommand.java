package dev.dispatcher.cli;

import dev.dispatcher.admin.AdminClient;
import dev.dispatcher.admin.AdminClientException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to a running dispatcher's admin API. A failure to reach it, a refusal, or a
 * missing token is one line on stderr and exit code 1; usage errors stay picocli's (exit 2).
 */
abstract class AdminCommand implements Callable<Integer> {
    @Mixin
    AdminOptions adminOptions;

    @Spec
    CommandSpec spec;

    /** True for commands that change something (and so send the token). */
    abstract boolean changes();

    /** Does the work; returns the exit code. */
    abstract int run(AdminClient client, PrintWriter out, PrintWriter err) throws AdminClientException, CliFailure,
            InterruptedException;

    @Override
    public final Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (AdminClient client = adminOptions.client(changes())) {
            return run(client, out, err);
        } catch (AdminClientException | CliFailure e) {
            err.println("error: " + e.getMessage());
            return DispatcherMain.EXIT_FAILURE;
        } finally {
            out.flush();
            err.flush();
        }
    }
}
