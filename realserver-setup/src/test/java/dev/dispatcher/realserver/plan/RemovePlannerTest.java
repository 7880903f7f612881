package dev.dispatcher.realserver.plan;

import static dev.dispatcher.realserver.Hosts.VIP;
import static dev.dispatcher.realserver.Hosts.VIP2;
import static dev.dispatcher.realserver.Hosts.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.realserver.Hosts;
import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.Ipv4Address;
import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.kernel.SetupException;
import dev.dispatcher.realserver.state.AppliedState;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RemovePlannerTest {
    private static final Path IP = Path.of("/usr/sbin/ip");
    private final Map<Path, FileContent> disk = new HashMap<>();

    /** Applies to {@code before} in memory and returns the resulting kernel and state. */
    private record Applied(KernelState kernel, AppliedState state) {}

    private Applied apply(KernelState before, boolean persist, Ipv4Address... vips) {
        Plan plan = ApplyPlanner.plan(new ApplyRequest(List.of(vips), 3, persist, Path.of("/t/s"), Path.of("/t/u")),
                before, Optional.empty(), IP, p -> disk.getOrDefault(p, FileContent.ABSENT));
        plan.changes().forEach(c -> {
            if (c instanceof Change.WriteFile w) {
                disk.put(w.path(), w.after());
            }
        });
        return new Applied(plan.simulate(before), plan.nextState());
    }

    private Plan remove(Applied applied, KernelState kernel, Ipv4Address... only) {
        return RemovePlanner.plan(List.of(only), kernel, applied.state(), IP,
                p -> disk.getOrDefault(p, FileContent.ABSENT));
    }

    private static List<String> described(Plan plan) {
        return plan.changes().stream().map(Change::describe).toList();
    }

    @Test
    void removeRestoresTheHostAsItWasInReverseOrder() {
        KernelState before = Hosts.defaults().withAddress(addr("lo", "198.18.1.200/32", "global", "lo:1"));
        Applied applied = apply(before, false, VIP);
        Plan plan = remove(applied, applied.kernel());
        assertEquals(List.of(
                "ip -4 addr del 198.18.1.100/32 dev lo scope host label lo:2",
                "sysctl net.ipv4.conf.all.rp_filter: 1 -> 0",
                "sysctl net.ipv4.conf.all.arp_announce: 2 -> 0",
                "sysctl net.ipv4.conf.all.arp_ignore: 3 -> 0"), described(plan));
        assertEquals(before, plan.simulate(applied.kernel()), "every other address and setting untouched");
        assertNull(plan.nextState());
    }

    @Test
    void aValueChangedSinceApplyIsLeftAlone() {
        Applied applied = apply(Hosts.defaults(), false, VIP);
        KernelState changed = applied.kernel().withSysctl("net/ipv4/conf/all/rp_filter", "2");
        Plan plan = remove(applied, changed);
        assertTrue(described(plan).stream().noneMatch(d -> d.contains("rp_filter")), described(plan).toString());
        assertTrue(plan.notes().contains("net.ipv4.conf.all.rp_filter left at 2: "
                + "changed since apply set 1 (apply found 0)"), plan.notes().toString());
    }

    @Test
    void removingOneOfTwoVipsKeepsTheSysctlsAndTheOther() {
        Applied applied = apply(Hosts.defaults(), false, VIP, VIP2);
        Plan plan = remove(applied, applied.kernel(), VIP2);
        assertEquals(List.of("ip -4 addr del 198.18.1.101/32 dev lo scope host label lo:2"), described(plan));
        assertEquals(List.of(VIP), plan.nextState().vips());
        assertEquals(3, plan.nextState().sysctls().size());
    }

    @Test
    void aVipThatApplyReplacedIsPutBackAsItWas() {
        InterfaceAddress wrong = addr("lo", "198.18.1.100/32", "global", "lo");
        KernelState before = Hosts.defaults().withAddress(wrong);
        Applied applied = apply(before, false, VIP);
        Plan plan = remove(applied, applied.kernel());
        assertEquals(before, plan.simulate(applied.kernel()));
        assertTrue(described(plan).contains("ip -4 addr add 198.18.1.100/32 dev lo scope global label lo"),
                described(plan).toString());
    }

    @Test
    void removeDeletesTheBootFiles() {
        Applied applied = apply(Hosts.defaults(), true, VIP);
        Plan plan = remove(applied, applied.kernel());
        assertEquals(List.of("delete /t/u/sysinit.target.wants/realserver-setup.service",
                "delete /t/u/realserver-setup.service",
                "delete /t/s/95-realserver-setup.conf"), described(plan).subList(4, 7));
    }

    @Test
    void aVipApplyDidNotSetUpIsRefused() {
        Applied applied = apply(Hosts.defaults(), false, VIP);
        SetupException ex = assertThrows(SetupException.class, () -> remove(applied, applied.kernel(), VIP2));
        assertEquals("198.18.1.101 was not set up by apply with this state directory "
                + "(it has 198.18.1.100); nothing was changed", ex.getMessage());
    }

    @Test
    void bootFilesSomeoneElseRewroteAreLeftInPlace() {
        Applied applied = apply(Hosts.defaults(), true, VIP, VIP2);
        disk.put(Path.of("/t/s/95-realserver-setup.conf"), new FileContent.Text("net.ipv4.ip_forward = 1\n"));
        disk.put(Path.of("/t/u/sysinit.target.wants/realserver-setup.service"),
                new FileContent.Symlink("/usr/lib/systemd/system/realserver-setup.service"));

        Plan one = remove(applied, applied.kernel(), VIP2);
        assertEquals(List.of("ip -4 addr del 198.18.1.101/32 dev lo scope host label lo:2",
                "rewrite /t/u/realserver-setup.service"), described(one));
        assertTrue(one.notes().contains("/t/s/95-realserver-setup.conf left in place: apply --persist did not write it"
                + " (its first line is not '# Written by realserver-setup apply --persist; "
                + "deleted by realserver-setup remove.')"), one.notes().toString());

        Plan all = remove(applied, applied.kernel());
        assertEquals(List.of("delete /t/u/realserver-setup.service"),
                described(all).stream().filter(d -> d.startsWith("delete")).toList());
        assertTrue(all.notes().contains("/t/u/sysinit.target.wants/realserver-setup.service left in place: "
                + "apply --persist did not write it"
                + " (a symbolic link to /usr/lib/systemd/system/realserver-setup.service)"), all.notes().toString());
    }
}
