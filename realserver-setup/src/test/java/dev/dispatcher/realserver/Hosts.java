package dev.dispatcher.realserver;

import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.Ipv4Address;
import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.kernel.NetLink;
import dev.dispatcher.realserver.kernel.ProcSys;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Kernel snapshots for unit tests: a real server with lo and eth1, kernel defaults unless changed. */
public final class Hosts {
    public static final Ipv4Address VIP = Ipv4Address.parse("198.18.1.100");
    public static final Ipv4Address VIP2 = Ipv4Address.parse("198.18.1.101");

    private Hosts() {}

    /** Kernel defaults: every arp_ignore, arp_announce and rp_filter 0, icmp_echo_ignore_broadcasts 1. */
    public static KernelState defaults() {
        Map<String, String> sysctls = new LinkedHashMap<>();
        for (String iface : List.of("all", "eth1")) {
            for (String name : KernelState.CONF_NAMES) {
                sysctls.put(ProcSys.confKey(iface, name), "0");
            }
        }
        sysctls.put("net/ipv4/icmp_echo_ignore_broadcasts", "1");
        return new KernelState(sysctls, List.of("eth1"), List.of(
                new NetLink("lo", true, List.of(addr("lo", "127.0.0.1/8", "host", "lo"))),
                new NetLink("eth1", false, List.of(addr("eth1", "198.18.1.10/24", "global", "eth1")))));
    }

    /** The host as apply leaves it for {@link #VIP}. */
    public static KernelState applied() {
        return defaults()
                .withSysctl("net/ipv4/conf/all/arp_ignore", "3")
                .withSysctl("net/ipv4/conf/all/arp_announce", "2")
                .withSysctl("net/ipv4/conf/all/rp_filter", "1")
                .withAddress(InterfaceAddress.vipOnLoopback(VIP, "lo:1"));
    }

    public static InterfaceAddress addr(String device, String cidr, String scope, String label) {
        String[] parts = cidr.split("/");
        return new InterfaceAddress(device, Ipv4Address.parse(parts[0]), Integer.parseInt(parts[1]), scope, label);
    }
}
