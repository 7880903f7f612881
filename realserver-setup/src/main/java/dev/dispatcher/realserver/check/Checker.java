package dev.dispatcher.realserver.check;

import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.Ipv4Address;
import dev.dispatcher.realserver.kernel.KernelState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Judges a kernel snapshot the way the kernel's ARP code will treat it, interface by interface.
 *
 * <p>It does not compare against the values {@code apply} sets: it asks whether the host answers
 * ARP for a VIP or announces one, so a host set up by hand with {@code arp_ignore=1} passes, and
 * one whose {@code conf/all} was reset fails even if nothing else changed. The rules, from
 * {@code arp_ignore()} and {@code inet_select_addr()} in net/ipv4 and verified in namespaces:
 * <ul>
 *   <li>the kernel applies max({@code conf/all}, {@code conf/<receiving interface>}); {@code conf/lo}
 *       plays no part;
 *   <li>arp_ignore 1 and 2 answer only for addresses on the receiving interface, so they hide a VIP
 *       on lo; 3 hides only addresses of scope host; 8 answers nothing, not even the host's own
 *       address; 0 and the reserved 4-7 answer for every local address;
 *   <li>arp_announce below 2 may put the VIP in the sender field of this host's ARP requests.
 * </ul>
 */
public final class Checker {
    private Checker() {}

    public static List<Problem> check(KernelState kernel, List<Ipv4Address> vips) {
        List<Problem> problems = new ArrayList<>();
        List<Ipv4Address> onLo = new ArrayList<>();
        List<Ipv4Address> withoutHostScope = new ArrayList<>();
        for (Ipv4Address vip : vips) {
            List<InterfaceAddress> found = kernel.find(vip);
            boolean loopbackCopy = false;
            for (InterfaceAddress a : found) {
                if (!kernel.isLoopback(a.device())) {
                    problems.add(new Problem("vip_on_interface", a.device(),
                            a.device() + ": " + vip + " is configured on "
                            + a.device() + " as " + a.cidr()
                            + ": this host answers ARP for it; a VIP belongs on lo only", Map.of()));
                    continue;
                }
                loopbackCopy = true;
                if (!a.hostScope()) {
                    problems.add(new Problem("vip_scope", a.device(),
                            a.device() + ": " + vip + " is " + a.cidr() + " scope "
                            + a.scope() + ", not scope host: arp_ignore 3 does not hide it",
                            Map.of("scope", a.scope())));
                    withoutHostScope.add(vip);
                }
                if (a.prefixLength() != 32) {
                    problems.add(new Problem("vip_prefix", a.device(), a.device() + ": " + vip + " is " + a.cidr()
                            + ": a VIP on lo must be /32, a wider prefix makes this host claim the whole subnet",
                            Map.of("prefixlen", a.prefixLength())));
                }
            }
            if (loopbackCopy) {
                onLo.add(vip);
            } else if (found.isEmpty()) {
                problems.add(new Problem("vip_missing", "lo",
                        "lo: " + vip + " is not configured: this host drops the packets"
                        + " the dispatcher forwards to it (run apply)", Map.of()));
            }
        }

        for (String iface : kernel.interfaces()) {
            int ignore = kernel.effective(iface, "arp_ignore");
            Map<String, Object> ignoreValues = values(kernel, iface, "arp_ignore");
            String inputs = " (" + valuesText(kernel, iface, "arp_ignore") + ")";
            switch (ignore) {
                case 1, 2 -> { }
                case 3 -> {
                    if (!withoutHostScope.isEmpty()) {
                        problems.add(new Problem("arp_ignore", iface, iface + ": arp_ignore is 3" + inputs + " but "
                                + join(withoutHostScope) + " on lo lacks scope host: this host answers ARP for "
                                + join(withoutHostScope), ignoreValues));
                    }
                }
                case 8 -> {
                    if (kernel.on(iface).stream().anyMatch(a -> !a.hostScope())) {
                        problems.add(new Problem("arp_ignore", iface, iface + ": arp_ignore is 8" + inputs
                                + ": this host answers no ARP at all on " + iface + ", not even for its own address",
                                ignoreValues));
                    }
                }
                default -> problems.add(new Problem("arp_ignore", iface, iface + ": arp_ignore is " + ignore + inputs
                        + (onLo.isEmpty()
                                // No VIP is on lo now, but the next apply or reboot puts it there.
                                ? ": this host would answer ARP for " + join(vips) + " once it is on lo"
                                : ": this host answers ARP for " + join(onLo)),
                        ignoreValues));
            }
            int announce = kernel.effective(iface, "arp_announce");
            if (announce < 2) {
                problems.add(new Problem("arp_announce", iface, iface + ": arp_announce is " + announce + " ("
                        + valuesText(kernel, iface, "arp_announce") + "): this host may send ARP requests with "
                        + join(vips) + " as sender address, and neighbours then send the VIP's traffic here",
                        values(kernel, iface, "arp_announce")));
            }
        }
        return problems;
    }

    private static Map<String, Object> values(KernelState kernel, String iface, String name) {
        return Map.of("setting", name, "effective", kernel.effective(iface, name),
                "all", kernel.conf("all", name), "value", kernel.conf(iface, name));
    }

    /** {@code all=0, eth1=0}: both inputs of the kernel's max, so the reader sees which one to fix. */
    private static String valuesText(KernelState kernel, String iface, String name) {
        return "all=" + kernel.conf("all", name) + ", " + iface + "=" + kernel.conf(iface, name);
    }

    private static String join(List<Ipv4Address> vips) {
        return String.join(", ", vips.stream().map(Ipv4Address::toString).toList());
    }
}
