package dev.dispatcher.realserver.cli;

import dev.dispatcher.realserver.check.Checker;
import dev.dispatcher.realserver.check.Problem;
import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.Ipv4Address;
import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.kernel.KernelStateReader;
import dev.dispatcher.realserver.kernel.ProcSys;
import dev.dispatcher.realserver.plan.HiddenArpSettings;
import dev.dispatcher.realserver.plan.Setting;
import dev.dispatcher.realserver.state.AppliedState;
import dev.dispatcher.realserver.state.StateStore;
import dev.dispatcher.realserver.state.SysctlRecord;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows what is applied now: the recorded state, where each VIP is, the hidden-ARP sysctls and"
                + " every interface's effective values. Needs no root; always exits 0 (use check to test).")
final class StatusCommand implements Callable<Integer> {
    private final Environment env;

    @Spec
    CommandSpec spec;

    @Mixin
    VipOptions options = new VipOptions();

    StatusCommand(Environment env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        StateStore store = new StateStore(options.stateDir);
        Optional<AppliedState> state = store.load();
        KernelState kernel = new KernelStateReader(env.procSys(), env.ip()).read(HiddenArpSettings.keys());
        List<Ipv4Address> vips = options.vips.isEmpty()
                ? state.map(AppliedState::vips).orElse(List.of())
                : options.distinctVips();

        if (state.isPresent()) {
            AppliedState s = state.get();
            out.println("State: " + store.file() + " (arp_ignore " + s.arpIgnore() + ", boot files: "
                    + (s.persisted() ? String.join(", ", s.bootFiles()) : "none") + ")");
        } else {
            out.println("State: none in " + options.stateDir + " (apply has not run with this --state-dir)");
        }

        out.println("VIPs:");
        if (vips.isEmpty()) {
            out.println("  none given or recorded");
        }
        for (Ipv4Address vip : vips) {
            List<InterfaceAddress> found = kernel.find(vip);
            if (found.isEmpty()) {
                out.println("  " + vip + ": not configured");
            }
            for (InterfaceAddress a : found) {
                boolean ours = state.map(s -> s.added().stream()
                        .anyMatch(x -> x.address().equals(vip) && x.device().equals(a.device())))
                        .orElse(false);
                out.println("  " + vip + ": " + a.cidr() + " on " + a.device() + ", scope " + a.scope() + ", label "
                        + a.label() + (ours ? " (added by apply)" : ""));
            }
        }

        out.println("Sysctls:");
        for (Setting setting : HiddenArpSettings.table(state.map(AppliedState::arpIgnore)
                .orElse(HiddenArpSettings.ARP_IGNORE_SCOPE_HOST))) {
            String now = kernel.sysctl(setting.key());
            Optional<SysctlRecord> record = state.flatMap(s -> s.sysctl(setting.key()));
            String origin = record.map(r -> "set by apply, was " + r.original()).orElse("not changed by apply");
            out.println("  " + ProcSys.dotted(setting.key()) + " = " + now + " (" + origin + ")");
        }

        out.println("Interfaces (the kernel applies max(all, interface)):");
        if (kernel.interfaces().isEmpty()) {
            out.println("  none besides lo");
        }
        for (String iface : kernel.interfaces()) {
            StringBuilder line = new StringBuilder("  " + iface + ":");
            String sep = " ";
            for (String name : KernelState.CONF_NAMES) {
                line.append(sep).append(name).append(' ').append(kernel.effective(iface, name))
                        .append(" (all=").append(kernel.conf("all", name)).append(", ").append(iface).append('=')
                        .append(kernel.conf(iface, name)).append(')');
                sep = ", ";
            }
            out.println(line);
        }

        if (vips.isEmpty()) {
            out.println("Check: nothing to check without a VIP");
        } else {
            List<Problem> problems = Checker.check(kernel, vips);
            out.println("Check: "
                    + (problems.isEmpty() ? "ok"
                            : Output.plural(problems.size(), "problem") + " (run check for details)"));
        }
        return 0;
    }
}
