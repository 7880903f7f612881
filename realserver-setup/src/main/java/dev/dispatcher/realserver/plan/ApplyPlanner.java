package dev.dispatcher.realserver.plan;

import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.Ipv4Address;
import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.kernel.SetupException;
import dev.dispatcher.realserver.state.AppliedState;
import dev.dispatcher.realserver.state.BootFiles;
import dev.dispatcher.realserver.state.SysctlRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Compares the kernel with what hidden ARP needs and lists the changes; changes nothing itself.
 *
 * <p>Order matters: sysctls first, so that no VIP is ever on lo while the host still answers ARP
 * for it; then addresses; then boot files. A value already right is left alone and not recorded,
 * so {@code remove} will not touch it either. A value recorded by an earlier run keeps its
 * original, so running {@code apply} twice does not make our own value the one to restore.
 */
public final class ApplyPlanner {
    private ApplyPlanner() {}

    public static Plan plan(
            ApplyRequest request,
            KernelState kernel,
            Optional<AppliedState> previous,
            Path ipBinary,
            Function<Path, FileContent> files) {
        Set<Ipv4Address> all = new LinkedHashSet<>();
        previous.ifPresent(p -> all.addAll(p.vips()));
        all.addAll(request.vips());
        refuseVipsOnNetworkInterfaces(all, kernel);

        List<Change> changes = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Setting> settings = HiddenArpSettings.table(request.arpIgnore());

        List<SysctlRecord> records = new ArrayList<>();
        for (Setting setting : settings) {
            String current = kernel.sysctl(setting.key());
            if (current == null) {
                throw new SetupException("this kernel has no " + setting.name() + " (no /proc/sys/" + setting.key()
                        + "); nothing was changed");
            }
            Optional<SysctlRecord> recorded = previous.flatMap(p -> p.sysctl(setting.key()));
            if (!current.equals(setting.value())) {
                changes.add(new Change.SetSysctl(setting.key(), current, setting.value(), setting.why()));
            } else {
                notes.add(setting.name() + " is already " + current);
            }
            if (recorded.isPresent()) {
                records.add(new SysctlRecord(setting.key(), recorded.get().original(), setting.value()));
            } else if (!current.equals(setting.value())) {
                records.add(new SysctlRecord(setting.key(), current, setting.value()));
            }
        }

        List<InterfaceAddress> added = new ArrayList<>(previous.map(AppliedState::added).orElse(List.of()));
        List<InterfaceAddress> replaced = new ArrayList<>(previous.map(AppliedState::replaced).orElse(List.of()));
        Set<String> labels = new HashSet<>();
        kernel.on("lo").forEach(a -> labels.add(a.label()));
        List<InterfaceAddress> vipAddresses = new ArrayList<>();
        for (Ipv4Address vip : all) {
            List<InterfaceAddress> onLo = kernel.find(vip).stream().filter(a -> a.device().equals("lo")).toList();
            Optional<InterfaceAddress> good = onLo.stream().filter(a -> a.prefixLength() == 32 && a.hostScope())
                    .findFirst();
            if (good.isPresent()) {
                notes.add(vip + "/32 is already on lo with scope host (label " + good.get().label() + ")");
                vipAddresses.add(good.get());
                continue;
            }
            for (InterfaceAddress wrong : onLo) {
                changes.add(new Change.DeleteAddress(wrong, whyReplace(wrong)));
                labels.remove(wrong.label());
                boolean ours = added.removeIf(a -> a.address().equals(vip) && a.prefixLength() == wrong.prefixLength());
                if (!ours) {
                    replaced.add(wrong);
                }
            }
            added.removeIf(a -> a.address().equals(vip));
            InterfaceAddress address = InterfaceAddress.vipOnLoopback(vip, nextLabel(labels));
            changes.add(new Change.AddAddress(address, "the stack accepts packets for " + vip
                    + " that the dispatcher forwards here; /32 so it claims no subnet, "
                    + "scope host so ARP stays hidden"));
            added.add(address);
            vipAddresses.add(address);
        }

        List<String> bootPaths = List.of();
        if (request.persist() || previous.map(AppliedState::persisted).orElse(false)) {
            BootFiles boot = previous.flatMap(AppliedState::boot)
                    .orElseGet(() -> BootFiles.in(request.sysctlDir(), request.systemdDir()));
            planFile(changes, notes, files, boot.sysctlFile(),
                    new FileContent.Text(BootFileText.sysctlConf(settings, vipAddresses)),
                    "systemd-sysctl applies it at boot, before the unit adds the VIPs");
            planFile(changes, notes, files, boot.unitFile(),
                    new FileContent.Text(BootFileText.unit(boot, ipBinary, vipAddresses)),
                    "puts the VIPs back on lo at boot, ordered before the network services");
            planFile(changes, notes, files, boot.wantsLink(), BootFileText.enableLink(boot),
                    "enables the unit (what systemctl enable does), so it runs at every boot");
            bootPaths = boot.paths();
        }

        AppliedState next = new AppliedState(request.arpIgnore(), List.copyOf(all), records, added, replaced,
                bootPaths);
        return new Plan(changes, notes, next);
    }

    /** Creates or rewrites one boot file, never one that another program or person put there. */
    private static void planFile(List<Change> changes, List<String> notes, Function<Path, FileContent> files,
            Path path, FileContent wanted, String why) {
        FileContent current = files.apply(path);
        if (current.equals(wanted)) {
            notes.add(path + " is up to date");
            return;
        }
        BootFileText.notWrittenByApply(current, wanted).ifPresent(reason -> {
            throw new SetupException(path + " exists and apply --persist did not write it (" + reason
                    + "); move it away if it is not needed, then run apply again; nothing was changed");
        });
        changes.add(new Change.WriteFile(path, current, wanted, why));
    }

    private static void refuseVipsOnNetworkInterfaces(Set<Ipv4Address> vips, KernelState kernel) {
        for (Ipv4Address vip : vips) {
            for (InterfaceAddress address : kernel.find(vip)) {
                if (!kernel.isLoopback(address.device())) {
                    throw new SetupException(vip + " is configured on " + address.device() + " (" + address.cidr()
                            + "): a real server answers ARP for a VIP on a network interface; remove it there first"
                            + " (ip addr del " + address.cidr() + " dev " + address.device()
                            + "); nothing was changed");
                }
            }
        }
    }

    private static String whyReplace(InterfaceAddress wrong) {
        List<String> reasons = new ArrayList<>();
        if (!wrong.hostScope()) {
            reasons.add("scope " + wrong.scope() + ", and arp_ignore 3 hides only scope host");
        }
        if (wrong.prefixLength() != 32) {
            reasons.add("prefix /" + wrong.prefixLength() + ", which claims the whole subnet for this host");
        }
        return "the VIP is on lo with " + String.join(" and with ", reasons) + "; replaced by the /32 scope host below";
    }

    /** The lowest free {@code lo:N}; labels only need to be unique on lo, and small numbers read best. */
    private static String nextLabel(Set<String> used) {
        for (int n = 1; ; n++) {
            String label = "lo:" + n;
            if (used.add(label)) {
                return label;
            }
        }
    }
}
