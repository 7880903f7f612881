package dev.dispatcher.realserver.kernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of what hidden ARP depends on: sysctl values (by {@link ProcSys} key), the
 * non-loopback interfaces and every interface's IPv4 addresses.
 *
 * <p>Immutable, so planning and checking are pure functions of it, and a plan can be simulated on
 * it ({@code with...}) to report what {@code check} would say after the plan ran.
 */
public record KernelState(Map<String, String> sysctls, List<String> interfaces, List<NetLink> links) {

    /** Per-interface settings read for every interface; the kernel combines each with {@code conf/all}. */
    public static final List<String> CONF_NAMES = List.of("arp_ignore", "arp_announce", "rp_filter");

    public KernelState {
        sysctls = Collections.unmodifiableMap(new LinkedHashMap<>(sysctls));
        interfaces = List.copyOf(interfaces);
        links = List.copyOf(links);
    }

    /** The value of a sysctl, or null when this kernel has no such key. */
    public String sysctl(String key) {
        return sysctls.get(key);
    }

    /** {@code conf/<iface>/<name>} as a number; a missing key reads as the kernel default 0. */
    public int conf(String iface, String name) {
        String value = sysctls.get(ProcSys.confKey(iface, name));
        if (value == null) {
            return 0;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException ex) {
            return 0;
        }
    }

    /** What the kernel applies on {@code iface}: the larger of {@code conf/all} and {@code conf/<iface>}. */
    public int effective(String iface, String name) {
        return Math.max(conf("all", name), conf(iface, name));
    }

    public List<InterfaceAddress> addresses() {
        List<InterfaceAddress> all = new ArrayList<>();
        for (NetLink link : links) {
            all.addAll(link.addresses());
        }
        return all;
    }

    /** Every place the address is configured, on any interface. */
    public List<InterfaceAddress> find(Ipv4Address address) {
        return addresses().stream().filter(a -> a.address().equals(address)).toList();
    }

    public List<InterfaceAddress> on(String device) {
        return addresses().stream().filter(a -> a.device().equals(device)).toList();
    }

    public boolean isLoopback(String device) {
        return links.stream().filter(l -> l.name().equals(device)).findFirst()
                .map(NetLink::loopback).orElse(device.equals("lo"));
    }

    public KernelState withSysctl(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(sysctls);
        copy.put(key, value);
        return new KernelState(copy, interfaces, links);
    }

    public KernelState withAddress(InterfaceAddress address) {
        return mapLinks(address.device(), list -> list.add(address));
    }

    public KernelState withoutAddress(InterfaceAddress address) {
        return mapLinks(address.device(), list -> list.removeIf(a ->
                a.address().equals(address.address()) && a.prefixLength() == address.prefixLength()));
    }

    private KernelState mapLinks(String device, java.util.function.Consumer<List<InterfaceAddress>> edit) {
        List<NetLink> copy = new ArrayList<>();
        boolean found = false;
        for (NetLink link : links) {
            if (link.name().equals(device)) {
                List<InterfaceAddress> addresses = new ArrayList<>(link.addresses());
                edit.accept(addresses);
                copy.add(new NetLink(link.name(), link.loopback(), addresses));
                found = true;
            } else {
                copy.add(link);
            }
        }
        if (!found) {
            List<InterfaceAddress> addresses = new ArrayList<>();
            edit.accept(addresses);
            copy.add(new NetLink(device, device.equals("lo"), addresses));
        }
        return new KernelState(sysctls, interfaces, copy);
    }
}
