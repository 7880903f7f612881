package dev.dispatcher.realserver.cli;

import dev.dispatcher.realserver.kernel.IpTool;
import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.kernel.KernelStateReader;
import dev.dispatcher.realserver.kernel.SetupException;
import dev.dispatcher.realserver.plan.Change;
import dev.dispatcher.realserver.plan.Executor;
import dev.dispatcher.realserver.plan.FileContent;
import dev.dispatcher.realserver.plan.HiddenArpSettings;
import dev.dispatcher.realserver.plan.LiveHost;
import dev.dispatcher.realserver.plan.Plan;
import dev.dispatcher.realserver.plan.RemovePlanner;
import dev.dispatcher.realserver.state.AppliedState;
import dev.dispatcher.realserver.state.StateStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "remove", mixinStandardHelpOptions = true,
        description = {
            "Undoes exactly what apply recorded: deletes the VIPs it added, restores the sysctl values it replaced"
                    + " (unless changed since), deletes the --persist files; "
                    + "leaves every other address and setting alone.",
            "With --vip, removes only those VIPs; the sysctls stay until the last VIP goes."
        })
final class RemoveCommand implements Callable<Integer> {
    private final Environment env;

    @Spec
    CommandSpec spec;

    @Mixin
    VipOptions options = new VipOptions();

    @Option(names = "--dry-run", description = "Print what remove would change, and change nothing.")
    boolean dryRun;

    RemoveCommand(Environment env) {
        this.env = env;
    }

    @Override
    @SuppressWarnings("try") // the lock is held for the block's duration, never read
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        IpTool ip = env.ip();
        if (!dryRun) {
            env.privileges().requireRoot("remove");
        }
        StateStore store = new StateStore(options.stateDir);
        try (StateStore.Lock lock = dryRun ? null : store.lock()) {
            Optional<AppliedState> state = store.load();
            if (state.isEmpty()) {
                out.println("Nothing to remove: no state in " + options.stateDir
                        + " (apply has not run with this --state-dir).");
                return 0;
            }
            KernelState kernel = new KernelStateReader(env.procSys(), ip).read(HiddenArpSettings.keys());
            Plan plan = RemovePlanner.plan(options.distinctVips(), kernel, state.get(), ip.binary(), FileContent::read);
            String subject = Output.vipList(options.vips.isEmpty() ? state.get().vips() : options.distinctVips());
            if (dryRun) {
                out.println("Remove plan for " + subject + ": " + Output.plural(plan.changes().size(), "change"));
                Output.changes(out, plan.changes());
                Output.notes(out, plan);
                out.println("Nothing was changed (dry run).");
                return 0;
            }
            out.println("Removing " + subject + ": " + Output.plural(plan.changes().size(), "change"));
            Executor executor = new Executor(new LiveHost(env.procSys(), ip));
            List<Change> done;
            try {
                done = executor.execute(plan.changes(), c -> out.println("  done: " + c.describe()));
            } catch (Executor.ApplyFailed ex) {
                out.flush();
                throw new SetupException("remove failed at " + ex.getMessage(), ex);
            }
            record(store, plan, done, executor);
            Output.notes(out, plan);
            out.println(plan.nextState() == null
                    ? "Removed; deleted " + store.file() + "."
                    : "Removed; " + store.file() + " keeps " + Output.vipList(plan.nextState().vips()) + ".");
            return 0;
        } catch (IOException ex) {
            throw new SetupException("cannot release the lock in " + options.stateDir + ": " + ex.getMessage(), ex);
        }
    }

    private static void record(StateStore store, Plan plan, List<Change> done, Executor executor) {
        try {
            if (plan.nextState() == null) {
                store.delete();
            } else {
                store.save(plan.nextState());
            }
        } catch (IOException ex) {
            List<String> failures = executor.rollback(done);
            throw new SetupException("cannot update " + store.file() + " (" + ex.getMessage() + "); "
                    + (failures.isEmpty() ? "rolled back every change"
                            : "ROLLBACK INCOMPLETE: " + String.join("; ", failures)), ex);
        }
    }
}
