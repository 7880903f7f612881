package dev.dispatcher.realserver.kernel;

import java.util.List;

/**
 * One IPv4 address as the kernel holds it: on a device, with a prefix length, a scope and a label.
 *
 * <p>The scope matters for hidden ARP: with {@code arp_ignore=3} the kernel hides only addresses of
 * scope {@code host}, so a VIP added to lo without {@code scope host} is still answered for.
 */
public record InterfaceAddress(String device, Ipv4Address address, int prefixLength, String scope, String label) {

    public static final String SCOPE_HOST = "host";

    public InterfaceAddress {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is outside 0-32");
        }
        label = label == null || label.isEmpty() ? device : label;
    }

    /** The VIP as this command configures it: a /32 of scope host on lo, under its own label. */
    public static InterfaceAddress vipOnLoopback(Ipv4Address vip, String label) {
        return new InterfaceAddress("lo", vip, 32, SCOPE_HOST, label);
    }

    public boolean hostScope() {
        return SCOPE_HOST.equals(scope);
    }

    /** {@code 198.18.0.100/32}, as {@code ip} takes and prints it. */
    public String cidr() {
        return address + "/" + prefixLength;
    }

    /** The arguments after {@code ip -4 addr add|del} that recreate exactly this address, each field one argument. */
    public List<String> ipArgumentList() {
        return List.of(cidr(), "dev", device, "scope", scope, "label", label);
    }

    /** {@link #ipArgumentList()} as one line, for plans and the boot unit. */
    public String ipArguments() {
        return String.join(" ", ipArgumentList());
    }

    @Override
    public String toString() {
        return cidr() + " on " + device + " (scope " + scope + ", label " + label + ")";
    }
}
