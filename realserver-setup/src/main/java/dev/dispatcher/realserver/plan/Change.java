package dev.dispatcher.realserver.plan;

import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.kernel.ProcSys;
import java.nio.file.Path;

/**
 * One step of a {@link Plan}. Each knows its inverse, which is all rollback needs: a failure at
 * step n runs the inverses of steps n-1 .. 1.
 */
public sealed interface Change {

    /** One line as the plan prints it, e.g. {@code sysctl net.ipv4.conf.all.arp_ignore: 0 -> 3}. */
    String describe();

    /** Why this step is in the plan. */
    String why();

    /** The step that undoes this one. */
    Change inverse();

    /** The kernel state after this step, so a plan can be checked before it runs. */
    KernelState simulate(KernelState state);

    record SetSysctl(String key, String from, String to, String why) implements Change {
        @Override
        public String describe() {
            return "sysctl " + ProcSys.dotted(key) + ": " + from + " -> " + to;
        }

        @Override
        public Change inverse() {
            return new SetSysctl(key, to, from, "roll back: " + why);
        }

        @Override
        public KernelState simulate(KernelState state) {
            return state.withSysctl(key, to);
        }
    }

    record AddAddress(InterfaceAddress address, String why) implements Change {
        @Override
        public String describe() {
            return "ip -4 addr add " + address.ipArguments();
        }

        @Override
        public Change inverse() {
            return new DeleteAddress(address, "roll back: " + why);
        }

        @Override
        public KernelState simulate(KernelState state) {
            return state.withAddress(address);
        }
    }

    record DeleteAddress(InterfaceAddress address, String why) implements Change {
        @Override
        public String describe() {
            return "ip -4 addr del " + address.ipArguments();
        }

        @Override
        public Change inverse() {
            return new AddAddress(address, "roll back: " + why);
        }

        @Override
        public KernelState simulate(KernelState state) {
            return state.withoutAddress(address);
        }
    }

    /** Creates, replaces or deletes one file or symlink; {@code before} is what rollback restores. */
    record WriteFile(Path path, FileContent before, FileContent after, String why) implements Change {
        @Override
        public String describe() {
            return switch (after) {
                case FileContent.Absent a -> "delete " + path;
                case FileContent.Symlink link -> "link " + path + " -> " + link.target();
                case FileContent.Text t -> (before instanceof FileContent.Absent ? "create " : "rewrite ") + path;
            };
        }

        @Override
        public Change inverse() {
            return new WriteFile(path, after, before, "roll back: " + why);
        }

        @Override
        public KernelState simulate(KernelState state) {
            return state;
        }
    }
}
