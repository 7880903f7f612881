package dev.dispatcher.realserver.kernel;

import java.util.List;

/** A network interface and its IPv4 addresses, as {@code ip -json addr show} reports them. */
public record NetLink(String name, boolean loopback, List<InterfaceAddress> addresses) {
    public NetLink {
        addresses = List.copyOf(addresses);
    }
}
