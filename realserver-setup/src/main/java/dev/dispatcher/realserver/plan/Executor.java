package dev.dispatcher.realserver.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a plan's changes in order and, when one fails, undoes the ones already done in reverse
 * order, so a host is left either fully changed or as it was.
 */
public final class Executor {
    private final HostOperations host;

    public Executor(HostOperations host) {
        this.host = host;
    }

    /**
     * Performs every change, reporting each one done. On failure rolls back and throws
     * {@link ApplyFailed} naming the failed step and the rollback's outcome.
     */
    public List<Change> execute(List<Change> changes, Consumer<Change> done) {
        List<Change> performed = new ArrayList<>();
        for (Change change : changes) {
            try {
                host.perform(change);
            } catch (RuntimeException ex) {
                throw new ApplyFailed(change, performed.size() + 1, changes.size(), ex, performed.size(),
                        rollback(performed));
            }
            performed.add(change);
            done.accept(change);
        }
        return performed;
    }

    /**
     * Undoes performed changes, newest first. Keeps going past a failed undo so as much as possible
     * is restored, and returns the undos that failed.
     */
    public List<String> rollback(List<Change> performed) {
        List<String> failures = new ArrayList<>();
        for (Change change : performed.reversed()) {
            try {
                host.perform(change.inverse());
            } catch (RuntimeException ex) {
                failures.add(change.inverse().describe() + ": " + ex.getMessage());
            }
        }
        return failures;
    }

    /**
     * A change failed. The message is one line: the failed step, why, and what rollback did;
     * {@link #rollbackFailures()} is empty when every earlier change was undone.
     */
    public static final class ApplyFailed extends RuntimeException {
        private final transient Change failed;
        private final List<String> rollbackFailures;

        ApplyFailed(Change failed, int step, int total, RuntimeException cause, int undone,
                List<String> rollbackFailures) {
            super("step " + step + " of " + total + ": " + cause.getMessage() + "; "
                    + (rollbackFailures.isEmpty()
                            ? (undone == 0 ? "nothing had been changed before it"
                                    : "rolled back the " + undone + " change" + (undone == 1 ? "" : "s")
                                    + " made before it")
                            : "ROLLBACK INCOMPLETE, still changed: " + String.join("; ", rollbackFailures)),
                    cause);
            this.failed = failed;
            this.rollbackFailures = List.copyOf(rollbackFailures);
        }

        public Change failed() {
            return failed;
        }

        public List<String> rollbackFailures() {
            return rollbackFailures;
        }
    }
}
