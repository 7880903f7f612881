package dev.dispatcher.realserver.cli;

import dev.dispatcher.realserver.check.Checker;
import dev.dispatcher.realserver.check.Problem;
import dev.dispatcher.realserver.kernel.IpTool;
import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.kernel.KernelStateReader;
import dev.dispatcher.realserver.kernel.SetupException;
import dev.dispatcher.realserver.plan.ApplyPlanner;
import dev.dispatcher.realserver.plan.ApplyRequest;
import dev.dispatcher.realserver.plan.Change;
import dev.dispatcher.realserver.plan.Executor;
import dev.dispatcher.realserver.plan.FileContent;
import dev.dispatcher.realserver.plan.HiddenArpSettings;
import dev.dispatcher.realserver.plan.LiveHost;
import dev.dispatcher.realserver.plan.Plan;
import dev.dispatcher.realserver.state.AppliedState;
import dev.dispatcher.realserver.state.StateStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;

/**
 * {@code apply} and {@code plan}: everything that can fail without changing the host (ip present,
 * root, state directory writable and locked, VIPs valid) is settled first; then the plan runs with
 * rollback, and the state is recorded (or the changes rolled back if it cannot be).
 */
final class ApplyRun {
    private final Environment env;

    ApplyRun(Environment env) {
        this.env = env;
    }

    @SuppressWarnings("try") // the lock is held for the block's duration, never read
    int run(ApplyOptions options, boolean dryRun, PrintWriter out) {
        ApplyRequest request = options.request();
        IpTool ip = env.ip();
        if (!dryRun) {
            env.privileges().requireRoot("apply");
        }
        StateStore store = new StateStore(options.common.stateDir);
        KernelStateReader reader = new KernelStateReader(env.procSys(), ip);
        // Bad input (a VIP on eth1, a kernel without a key) fails here, before the lock creates
        // the state directory; the plan is made again under the lock, which is what runs.
        ApplyPlanner.plan(request, reader.read(HiddenArpSettings.keys()), store.load(), ip.binary(), FileContent::read);
        try (StateStore.Lock lock = dryRun ? null : store.lock()) {
            Optional<AppliedState> previous = store.load();
            KernelState kernel = reader.read(HiddenArpSettings.keys());
            Plan plan = ApplyPlanner.plan(request, kernel, previous, ip.binary(), FileContent::read);
            List<Problem> after = Checker.check(plan.simulate(kernel), plan.nextState().vips());
            String subject = Output.vipList(plan.nextState().vips()) + " (arp_ignore " + request.arpIgnore() + ")";
            if (dryRun) {
                printPlan(out, plan, subject, after);
                return 0;
            }
            if (plan.isEmpty()) {
                out.println("Nothing to change: " + subject + " is already set up; no changes made.");
                if (!previous.equals(Optional.of(plan.nextState()))) {
                    save(store, plan, List.of(), null);
                    out.println("Recorded in " + store.file() + ".");
                }
                Output.remaining(out, "Warning: check still fails:", after);
                return 0;
            }
            out.println("Applying " + Output.plural(plan.changes().size(), "change") + " for " + subject + ":");
            Executor executor = new Executor(new LiveHost(env.procSys(), ip));
            List<Change> done;
            try {
                done = executor.execute(plan.changes(), c -> out.println("  done: " + c.describe()));
            } catch (Executor.ApplyFailed ex) {
                out.flush();
                throw new SetupException("apply failed at " + ex.getMessage(), ex);
            }
            save(store, plan, done, executor);
            Output.notes(out, plan);
            out.println("Recorded in " + store.file() + "; remove restores what was replaced.");
            List<Problem> now = Checker.check(reader.read(HiddenArpSettings.keys()), plan.nextState().vips());
            if (now.isEmpty()) {
                out.println("check: ok");
            } else {
                Output.remaining(out, "Warning: check still fails:", now);
            }
            return 0;
        } catch (IOException ex) {
            throw new SetupException("cannot release the lock in " + options.common.stateDir + ": " + ex.getMessage(),
                    ex);
        }
    }

    /** Records the new state; if that fails, the host must not keep changes remove cannot find. */
    private static void save(StateStore store, Plan plan, List<Change> done, Executor executor) {
        try {
            store.save(plan.nextState());
        } catch (IOException ex) {
            List<String> failures = executor == null ? List.of() : executor.rollback(done);
            throw new SetupException("cannot write " + store.file() + " (" + ex.getMessage() + "); "
                    + (failures.isEmpty() ? "rolled back every change"
                            : "ROLLBACK INCOMPLETE: " + String.join("; ", failures)), ex);
        }
    }

    private static void printPlan(PrintWriter out, Plan plan, String subject, List<Problem> after) {
        if (plan.isEmpty()) {
            out.println("Plan for " + subject + ": nothing to change.");
        } else {
            out.println("Plan for " + subject + ": " + Output.plural(plan.changes().size(), "change"));
            Output.changes(out, plan.changes());
        }
        Output.notes(out, plan);
        Output.remaining(out, "After these changes check would still report:", after);
        out.println("Nothing was changed (plan only).");
    }
}
