package dev.dispatcher.realserver.cli;

import dev.dispatcher.realserver.kernel.Ipv4Address;
import dev.dispatcher.realserver.state.AppliedState;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Argument rules shared by the commands; breaking one is a usage error (exit 2). */
final class Commands {
    private Commands() {}

    static void requireVips(CommandSpec spec, List<Ipv4Address> vips, String command) {
        if (vips.isEmpty()) {
            throw new ParameterException(spec.commandLine(), command + " needs at least one --vip ADDRESS");
        }
    }

    /** The VIPs given, else those recorded by apply; a check with neither has nothing to judge. */
    static List<Ipv4Address> vipsOrRecorded(CommandSpec spec, VipOptions options, Optional<AppliedState> state,
            String command) {
        if (!options.vips.isEmpty()) {
            return options.distinctVips();
        }
        List<Ipv4Address> recorded = state.map(AppliedState::vips).orElse(List.of());
        if (recorded.isEmpty()) {
            throw new ParameterException(spec.commandLine(), command + " needs --vip ADDRESS (no VIPs are recorded in "
                    + options.stateDir + ")");
        }
        return recorded;
    }
}
