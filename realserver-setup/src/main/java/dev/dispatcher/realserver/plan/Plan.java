package dev.dispatcher.realserver.plan;

import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.state.AppliedState;
import java.util.List;

/**
 * What {@code apply} or {@code remove} will do: the ordered changes, notes on what is already in
 * place, and the state to record once every change succeeded ({@code null}: delete the record).
 */
public record Plan(List<Change> changes, List<String> notes, AppliedState nextState) {
    public Plan {
        changes = List.copyOf(changes);
        notes = List.copyOf(notes);
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /** The kernel state the changes would leave behind. */
    public KernelState simulate(KernelState state) {
        KernelState result = state;
        for (Change change : changes) {
            result = change.simulate(result);
        }
        return result;
    }
}
