package dev.dispatcher.realserver.plan;

import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.Ipv4Address;
import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.kernel.ProcSys;
import dev.dispatcher.realserver.kernel.SetupException;
import dev.dispatcher.realserver.state.AppliedState;
import dev.dispatcher.realserver.state.BootFiles;
import dev.dispatcher.realserver.state.SysctlRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Lists the changes that undo what the state says {@code apply} did, and nothing else.
 *
 * <p>Order is the reverse of apply's: VIPs leave lo before ARP is un-hidden, so the host never
 * answers ARP for a VIP it still holds. A sysctl is restored only while it still holds the value
 * apply set; one changed since belongs to someone else now and is left as it is (and said so).
 * With {@code --vip}, only those VIPs go; the sysctls and boot files stay until the last VIP goes.
 */
public final class RemovePlanner {
    private RemovePlanner() {}

    public static Plan plan(List<Ipv4Address> only, KernelState kernel, AppliedState state, Path ipBinary,
            Function<Path, FileContent> files) {
        for (Ipv4Address vip : only) {
            if (!state.vips().contains(vip)) {
                throw new SetupException(vip + " was not set up by apply with this state directory (it has "
                        + (state.vips().isEmpty() ? "no VIPs"
                                : String.join(", ", state.vips().stream().map(Ipv4Address::toString).toList()))
                        + "); nothing was changed");
            }
        }
        List<Ipv4Address> removing = only.isEmpty() ? state.vips() : only;
        List<Ipv4Address> remaining = state.vips().stream().filter(v -> !removing.contains(v)).toList();

        List<Change> changes = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<InterfaceAddress> added = new ArrayList<>(state.added());
        List<InterfaceAddress> replaced = new ArrayList<>(state.replaced());
        for (Ipv4Address vip : removing) {
            for (InterfaceAddress ours : state.added().stream().filter(a -> a.address().equals(vip)).toList()) {
                // Delete what the kernel holds now: ip matches the label too, and it may have been relabelled.
                Optional<InterfaceAddress> present = kernel.find(vip).stream()
                        .filter(a -> a.device().equals(ours.device()) && a.prefixLength() == ours.prefixLength())
                        .findFirst();
                if (present.isPresent()) {
                    changes.add(new Change.DeleteAddress(present.get(), "apply added it"));
                } else {
                    notes.add(ours.cidr() + " is already gone from " + ours.device());
                }
                added.remove(ours);
            }
            KernelState afterDeletes = new Plan(changes, List.of(), null).simulate(kernel);
            for (InterfaceAddress original : state.replaced().stream().filter(a -> a.address().equals(vip)).toList()) {
                boolean present = afterDeletes.find(vip).stream().anyMatch(a ->
                        a.device().equals(original.device()) && a.prefixLength() == original.prefixLength());
                if (!present) {
                    changes.add(new Change.AddAddress(original, "apply replaced it; this restores it as it was"));
                }
                replaced.remove(original);
            }
            if (state.added().stream().noneMatch(a -> a.address().equals(vip))) {
                notes.add(vip + " was on lo before apply; left in place");
            }
        }

        if (!remaining.isEmpty()) {
            List<InterfaceAddress> remainingAddresses = new ArrayList<>();
            for (Ipv4Address vip : remaining) {
                kernel.find(vip).stream().filter(a -> a.device().equals("lo")).findFirst()
                        .ifPresent(remainingAddresses::add);
            }
            Optional<BootFiles> boot = state.boot();
            if (boot.isPresent()) {
                List<Setting> settings = HiddenArpSettings.table(state.arpIgnore());
                rewrite(changes, notes, files, boot.get().sysctlFile(),
                        new FileContent.Text(BootFileText.sysctlConf(settings, remainingAddresses)));
                rewrite(changes, notes, files, boot.get().unitFile(),
                        new FileContent.Text(BootFileText.unit(boot.get(), ipBinary, remainingAddresses)));
            }
            notes.add("sysctls stay until the last VIP is removed (still set up: "
                    + String.join(", ", remaining.stream().map(Ipv4Address::toString).toList()) + ")");
            AppliedState next = new AppliedState(state.arpIgnore(), remaining, state.sysctls(), added, replaced,
                    state.bootFiles());
            return new Plan(changes, notes, next);
        }

        for (SysctlRecord record : state.sysctls().reversed()) {
            String name = ProcSys.dotted(record.key());
            String current = kernel.sysctl(record.key());
            if (current == null) {
                notes.add(name + " no longer exists; nothing to restore");
            } else if (current.equals(record.original())) {
                notes.add(name + " is already " + current);
            } else if (current.equals(record.applied())) {
                changes.add(new Change.SetSysctl(record.key(), current, record.original(),
                        "restores the value apply replaced"));
            } else {
                notes.add(name + " left at " + current + ": changed since apply set " + record.applied()
                        + " (apply found " + record.original() + ")");
            }
        }
        Optional<BootFiles> boot = state.boot();
        if (boot.isPresent()) {
            FileContent text = new FileContent.Text(""); // any text of apply's: the header decides
            delete(changes, notes, files, boot.get().wantsLink(), BootFileText.enableLink(boot.get()));
            delete(changes, notes, files, boot.get().unitFile(), text);
            delete(changes, notes, files, boot.get().sysctlFile(), text);
        }
        return new Plan(changes, notes, null);
    }

    /** Rewrites a boot file only when it is still the one apply wrote (or is gone). */
    private static void rewrite(List<Change> changes, List<String> notes, Function<Path, FileContent> files, Path path,
            FileContent wanted) {
        FileContent current = files.apply(path);
        if (current.equals(wanted)) {
            return;
        }
        Optional<String> foreign = BootFileText.notWrittenByApply(current, wanted);
        if (foreign.isPresent()) {
            notes.add(leftInPlace(path, foreign.get()));
        } else {
            changes.add(new Change.WriteFile(path, current, wanted, "the boot setup keeps only the remaining VIPs"));
        }
    }

    /** Deletes a boot file only when it is still the one apply wrote, which {@code ours} describes. */
    private static void delete(List<Change> changes, List<String> notes, Function<Path, FileContent> files, Path path,
            FileContent ours) {
        FileContent current = files.apply(path);
        if (current instanceof FileContent.Absent) {
            return;
        }
        Optional<String> foreign = BootFileText.notWrittenByApply(current, ours);
        if (foreign.isPresent()) {
            notes.add(leftInPlace(path, foreign.get()));
        } else {
            changes.add(new Change.WriteFile(path, current, FileContent.ABSENT, "apply --persist wrote it"));
        }
    }

    private static String leftInPlace(Path path, String reason) {
        return path + " left in place: apply --persist did not write it (" + reason + ")";
    }
}
