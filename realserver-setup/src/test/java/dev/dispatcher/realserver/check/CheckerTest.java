package dev.dispatcher.realserver.check;

import static dev.dispatcher.realserver.Hosts.VIP;
import static dev.dispatcher.realserver.Hosts.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.realserver.Hosts;
import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.KernelState;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CheckerTest {

    private static List<String> messages(KernelState kernel) {
        return Checker.check(kernel, List.of(VIP)).stream().map(Problem::message).toList();
    }

    private static KernelState withVip(KernelState kernel, String scope) {
        return kernel.withAddress(addr("lo", "198.18.1.100/32", scope, "lo:1"));
    }

    @Test
    void theHostAsApplyLeavesItPasses() {
        assertEquals(List.of(), messages(Hosts.applied()));
    }

    @Test
    void allResetToZeroLeaksAndNamesTheInterfaceAndBothInputs() {
        KernelState kernel = Hosts.applied().withSysctl("net/ipv4/conf/all/arp_ignore", "0");
        assertEquals(List.of("eth1: arp_ignore is 0 (all=0, eth1=0): this host answers ARP for 198.18.1.100"),
                messages(kernel));
    }

    /** Cases: (all, eth1) arp_ignore, VIP scope, whether eth1 leaks. The kernel uses max(all, eth1). */
    static Stream<Arguments> arpIgnoreCases() {
        return Stream.of(
                Arguments.of(0, 0, "host", true),     // scope host alone hides nothing at 0
                Arguments.of(0, 3, "host", false),    // the interface can raise it
                Arguments.of(3, 0, "host", false),
                Arguments.of(3, 0, "global", true),   // 3 hides only scope host
                Arguments.of(0, 3, "global", true),
                Arguments.of(1, 0, "global", false),  // 1 and 2 hide a VIP on lo either way
                Arguments.of(0, 2, "global", false),
                Arguments.of(3, 1, "global", true),   // max(3, 1) = 3: the lower value on eth1 does not help
                Arguments.of(4, 0, "host", true),     // reserved values answer like 0
                Arguments.of(7, 0, "host", true));
    }

    @ParameterizedTest(name = "all={0} eth1={1} scope {2}: leaks={3}")
    @MethodSource("arpIgnoreCases")
    void arpIgnoreFollowsTheKernelsMaxRule(int all, int eth1, String scope, boolean leaks) {
        KernelState kernel = withVip(Hosts.defaults(), scope)
                .withSysctl("net/ipv4/conf/all/arp_ignore", Integer.toString(all))
                .withSysctl("net/ipv4/conf/eth1/arp_ignore", Integer.toString(eth1))
                .withSysctl("net/ipv4/conf/all/arp_announce", "2");
        List<Problem> problems = Checker.check(kernel, List.of(VIP)).stream()
                .filter(p -> p.kind().equals("arp_ignore")).toList();
        assertEquals(leaks, !problems.isEmpty(), problems.toString());
        if (leaks) {
            Problem p = problems.getFirst();
            assertEquals("eth1", p.device());
            assertEquals(Math.max(all, eth1), p.details().get("effective"));
            assertTrue(p.message().startsWith("eth1: arp_ignore is " + Math.max(all, eth1) + " (all=" + all + ", eth1="
                    + eth1 + ")"), p.message());
        }
    }

    @Test
    void effectiveThreeWithoutScopeHostSaysWhy() {
        KernelState kernel = withVip(Hosts.defaults(), "global")
                .withSysctl("net/ipv4/conf/eth1/arp_ignore", "3")
                .withSysctl("net/ipv4/conf/all/arp_announce", "2");
        assertEquals(List.of(
                "lo: 198.18.1.100 is 198.18.1.100/32 scope global, not scope host: arp_ignore 3 does not hide it",
                "eth1: arp_ignore is 3 (all=0, eth1=3) but 198.18.1.100 on lo lacks scope host: "
                        + "this host answers ARP for 198.18.1.100"),
                messages(kernel));
    }

    @Test
    void arpIgnoreEightIsFlaggedBecauseTheHostStopsAnsweringForItself() {
        KernelState kernel = Hosts.applied().withSysctl("net/ipv4/conf/eth1/arp_ignore", "8");
        assertEquals(List.of("eth1: arp_ignore is 8 (all=3, eth1=8): this host answers no ARP at all on eth1, "
                + "not even for its own address"), messages(kernel));
    }

    @Test
    void arpAnnounceBelowTwoIsFlaggedPerInterface() {
        KernelState kernel = Hosts.applied().withSysctl("net/ipv4/conf/all/arp_announce", "1");
        List<Problem> problems = Checker.check(kernel, List.of(VIP));
        assertEquals(1, problems.size());
        assertTrue(problems.getFirst().message().startsWith("eth1: arp_announce is 1 (all=1, eth1=0): "),
                problems.toString());
        // The interface value alone can also fix it.
        assertEquals(List.of(), messages(kernel.withSysctl("net/ipv4/conf/eth1/arp_announce", "2")));
    }

    @Test
    void aVipOnANetworkInterfaceIsFlaggedWithThatInterface() {
        KernelState kernel = Hosts.applied().withAddress(addr("eth1", "198.18.1.100/24", "global", "eth1"));
        assertEquals(List.of("eth1: 198.18.1.100 is configured on eth1 as 198.18.1.100/24: "
                + "this host answers ARP for it; a VIP belongs on lo only"), messages(kernel));
    }

    @Test
    void aVipOnlyOnANetworkInterfaceIsNotAlsoReportedMissing() {
        KernelState kernel = Hosts.applied().withoutAddress(InterfaceAddress.vipOnLoopback(VIP, "lo:1"))
                .withAddress(addr("eth1", "198.18.1.100/24", "global", "eth1"));
        assertEquals(List.of("vip_on_interface"),
                Checker.check(kernel, List.of(VIP)).stream().map(Problem::kind).toList());
    }

    @Test
    void aMissingVipAndAWidePrefixAreFlagged() {
        KernelState missing = Hosts.applied().withoutAddress(InterfaceAddress.vipOnLoopback(VIP, "lo:1"));
        assertEquals(List.of("lo: 198.18.1.100 is not configured: this host drops the packets the dispatcher "
                + "forwards to it (run apply)"), messages(missing));
        KernelState wide = missing.withAddress(addr("lo", "198.18.1.100/24", "host", "lo:1"));
        assertEquals(List.of("vip_prefix"), Checker.check(wide, List.of(VIP)).stream().map(Problem::kind).toList());
    }

    @Test
    void loopbackSettingsPlayNoPart() {
        KernelState kernel = Hosts.applied()
                .withSysctl("net/ipv4/conf/lo/arp_ignore", "0")
                .withSysctl("net/ipv4/conf/lo/arp_announce", "0");
        assertEquals(List.of(), messages(kernel));
    }
}
