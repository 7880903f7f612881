package dev.dispatcher.realserver.plan;

import static dev.dispatcher.realserver.Hosts.VIP;
import static dev.dispatcher.realserver.Hosts.VIP2;
import static dev.dispatcher.realserver.Hosts.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.realserver.Hosts;
import dev.dispatcher.realserver.check.Checker;
import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.Ipv4Address;
import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.kernel.SetupException;
import dev.dispatcher.realserver.state.AppliedState;
import dev.dispatcher.realserver.state.SysctlRecord;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ApplyPlannerTest {
    private static final Path IP = Path.of("/usr/sbin/ip");
    private final Map<Path, FileContent> disk = new HashMap<>();

    private Plan plan(KernelState kernel, Optional<AppliedState> previous, int arpIgnore, boolean persist,
            Ipv4Address... vips) {
        ApplyRequest request = new ApplyRequest(List.of(vips), arpIgnore, persist, Path.of("/t/sysctl.d"),
                Path.of("/t/systemd"));
        return ApplyPlanner.plan(request, kernel, previous, IP, p -> disk.getOrDefault(p, FileContent.ABSENT));
    }

    private Plan plan(KernelState kernel, Ipv4Address... vips) {
        return plan(kernel, Optional.empty(), 3, false, vips);
    }

    private static List<String> described(Plan plan) {
        return plan.changes().stream().map(Change::describe).toList();
    }

    @Test
    void onADefaultHostSysctlsComeBeforeTheVipAndEachShowsCurrentAndNewValue() {
        Plan plan = plan(Hosts.defaults(), VIP);
        assertEquals(List.of(
                "sysctl net.ipv4.conf.all.arp_ignore: 0 -> 3",
                "sysctl net.ipv4.conf.all.arp_announce: 0 -> 2",
                "sysctl net.ipv4.conf.all.rp_filter: 0 -> 1",
                "ip -4 addr add 198.18.1.100/32 dev lo scope host label lo:1"), described(plan));
        assertEquals(List.of("net.ipv4.icmp_echo_ignore_broadcasts is already 1"), plan.notes());
        plan.changes().forEach(c -> assertTrue(!c.why().isBlank(), c + " says why"));
        assertEquals(List.of(), Checker.check(plan.simulate(Hosts.defaults()), List.of(VIP)),
                "the plan leaves a correct host");
    }

    @Test
    void recordsOnlyTheValuesItReplaces() {
        AppliedState next = plan(Hosts.defaults(), VIP).nextState();
        assertEquals(List.of(
                new SysctlRecord("net/ipv4/conf/all/arp_ignore", "0", "3"),
                new SysctlRecord("net/ipv4/conf/all/arp_announce", "0", "2"),
                new SysctlRecord("net/ipv4/conf/all/rp_filter", "0", "1")), next.sysctls());
        assertEquals(List.of(InterfaceAddress.vipOnLoopback(VIP, "lo:1")), next.added());
        assertEquals(List.of(VIP), next.vips());
    }

    @Test
    void aSecondRunChangesNothingAndKeepsTheOriginalValues() {
        Plan first = plan(Hosts.defaults(), VIP);
        Plan second = plan(first.simulate(Hosts.defaults()), Optional.of(first.nextState()), 3, false, VIP);
        assertEquals(List.of(), second.changes());
        assertEquals(first.nextState(), second.nextState());
    }

    @Test
    void labelsSkipThoseInUseOnLo() {
        KernelState kernel = Hosts.defaults().withAddress(addr("lo", "198.18.1.200/32", "global", "lo:1"));
        assertEquals(List.of("ip -4 addr add 198.18.1.100/32 dev lo scope host label lo:2",
                "ip -4 addr add 198.18.1.101/32 dev lo scope host label lo:3"),
                described(plan(kernel, VIP, VIP2)).subList(3, 5));
    }

    @Test
    void theLvsAlternativeSetsArpIgnoreOne() {
        assertEquals("sysctl net.ipv4.conf.all.arp_ignore: 0 -> 1",
                described(plan(Hosts.defaults(), Optional.empty(), 1, false, VIP)).getFirst());
    }

    @Test
    void switchingModesKeepsTheValueFoundBeforeTheFirstApply() {
        Plan first = plan(Hosts.defaults(), VIP);
        Plan second = plan(first.simulate(Hosts.defaults()), Optional.of(first.nextState()), 1, false, VIP);
        assertEquals(List.of("sysctl net.ipv4.conf.all.arp_ignore: 3 -> 1"), described(second));
        assertEquals(new SysctlRecord("net/ipv4/conf/all/arp_ignore", "0", "1"),
                second.nextState().sysctls().getFirst());
    }

    @Test
    void aVipOnANetworkInterfaceIsRefusedBeforeAnythingIsPlanned() {
        KernelState kernel = Hosts.defaults().withAddress(addr("eth1", "198.18.1.100/24", "global", "eth1"));
        SetupException ex = assertThrows(SetupException.class, () -> plan(kernel, VIP));
        assertTrue(ex.getMessage().startsWith("198.18.1.100 is configured on eth1 (198.18.1.100/24)"), ex.getMessage());
        assertTrue(ex.getMessage().endsWith("nothing was changed"), ex.getMessage());
    }

    @Test
    void aVipOnLoWithoutScopeHostIsReplacedAndTheOriginalRecorded() {
        InterfaceAddress wrong = addr("lo", "198.18.1.100/32", "global", "lo");
        Plan plan = plan(Hosts.applied().withoutAddress(InterfaceAddress.vipOnLoopback(VIP, "lo:1")).withAddress(wrong),
                VIP);
        assertEquals(List.of("ip -4 addr del 198.18.1.100/32 dev lo scope global label lo",
                "ip -4 addr add 198.18.1.100/32 dev lo scope host label lo:1"), described(plan));
        assertEquals(List.of(wrong), plan.nextState().replaced());
    }

    @Test
    void aVipAlreadyRightOnLoIsLeftAndNotClaimed() {
        KernelState kernel = Hosts.defaults().withAddress(addr("lo", "198.18.1.100/32", "host", "lo:9"));
        Plan plan = plan(kernel, VIP);
        assertTrue(plan.notes().contains("198.18.1.100/32 is already on lo with scope host (label lo:9)"),
                plan.notes().toString());
        assertEquals(List.of(), plan.nextState().added(), "remove must not delete an address apply did not add");
    }

    @Test
    void persistWritesTheSysctlFileTheUnitAndItsEnableLink() {
        Plan plan = plan(Hosts.defaults(), Optional.empty(), 3, true, VIP);
        List<Change.WriteFile> files = plan.changes().stream()
                .filter(Change.WriteFile.class::isInstance).map(Change.WriteFile.class::cast).toList();
        assertEquals(List.of(Path.of("/t/sysctl.d/95-realserver-setup.conf"),
                Path.of("/t/systemd/realserver-setup.service"),
                Path.of("/t/systemd/sysinit.target.wants/realserver-setup.service")),
                files.stream().map(Change.WriteFile::path).toList());
        String conf = ((FileContent.Text) files.get(0).after()).text();
        assertTrue(conf.contains("\nnet.ipv4.conf.all.arp_ignore = 3\n"), conf);
        assertTrue(conf.contains("\nnet.ipv4.conf.all.arp_announce = 2\n"), conf);
        String unit = ((FileContent.Text) files.get(1).after()).text();
        assertTrue(unit.contains(
                "\nExecStart=/usr/sbin/ip -4 addr replace 198.18.1.100/32 dev lo scope host label lo:1\n"), unit);
        assertTrue(unit.contains("\nBefore=network-pre.target"), unit);
        assertTrue(unit.contains("\nAfter=systemd-sysctl.service\n"), unit);
        assertEquals(new FileContent.Symlink("/t/systemd/realserver-setup.service"), files.get(2).after());
        assertEquals(3, plan.nextState().bootFiles().size());

        // Once written, a later run without --persist keeps them and finds nothing to change.
        files.forEach(f -> disk.put(f.path(), f.after()));
        Plan again = plan(plan.simulate(Hosts.defaults()), Optional.of(plan.nextState()), 3, false, VIP);
        assertEquals(List.of(), again.changes());
        Plan more = plan(plan.simulate(Hosts.defaults()), Optional.of(plan.nextState()), 3, false, VIP2);
        assertInstanceOf(Change.AddAddress.class, more.changes().getFirst());
        assertTrue(more.changes().stream()
                .anyMatch(c -> c instanceof Change.WriteFile w && w.path().endsWith("realserver-setup.service")
                && ((FileContent.Text) w.after()).text().contains("198.18.1.101/32")),
                "a new VIP reaches the boot unit");
    }

    @Test
    void aKernelWithoutAKeyIsRefused() {
        KernelState kernel = new KernelState(Map.of(), List.of("eth1"), Hosts.defaults().links());
        assertThrows(SetupException.class, () -> plan(kernel, VIP));
    }

    @Test
    void persistRefusesToOverwriteAFileItDidNotWrite() {
        disk.put(Path.of("/t/sysctl.d/95-realserver-setup.conf"), new FileContent.Text("net.ipv4.ip_forward = 1\n"));
        SetupException text = assertThrows(SetupException.class,
                () -> plan(Hosts.defaults(), Optional.empty(), 3, true, VIP));
        assertTrue(text.getMessage().startsWith("/t/sysctl.d/95-realserver-setup.conf exists and apply "
                + "--persist did not write it (its first line is not '# Written by"), text.getMessage());
        assertTrue(text.getMessage().endsWith("nothing was changed"), text.getMessage());

        disk.clear();
        disk.put(Path.of("/t/systemd/sysinit.target.wants/realserver-setup.service"),
                new FileContent.Symlink("/lib/systemd/system/realserver-setup.service"));
        SetupException link = assertThrows(SetupException.class,
                () -> plan(Hosts.defaults(), Optional.empty(), 3, true, VIP));
        assertTrue(link.getMessage().startsWith("/t/systemd/sysinit.target.wants/realserver-setup.service exists and "
                + "apply --persist did not write it"
                + " (a symbolic link to /lib/systemd/system/realserver-setup.service)"), link.getMessage());
    }

    @Test
    void persistRewritesItsOwnFiles() {
        disk.put(Path.of("/t/sysctl.d/95-realserver-setup.conf"),
                new FileContent.Text(BootFileText.HEADER + "# an older run's text\n"));
        Plan plan = plan(Hosts.defaults(), Optional.empty(), 3, true, VIP);
        assertTrue(described(plan).contains("rewrite /t/sysctl.d/95-realserver-setup.conf"),
                described(plan).toString());
    }
}
