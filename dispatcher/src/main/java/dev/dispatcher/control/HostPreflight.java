package dev.dispatcher.control;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.PortConfig;
import dev.dispatcher.config.ServerConfig;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Checks of a configuration against the dispatcher host, at start and before every reload or
 * added server is applied (the loader cannot make them: it does not know the host). A VIP
 * configured on this host is fatal: the kernel would answer the clients' SYNs with RSTs in
 * parallel to the forwarder. A real server that is this host (one of its addresses, or our own
 * MAC) would get every forwarded frame back at the dispatcher. IP forwarding is a warning: the
 * kernel would route VIP traffic too.
 */
public final class HostPreflight {
    private HostPreflight() {
    }

    /**
     * One-line reasons not to start or apply {@code config}; empty when the host is fit.
     *
     * @param ownMac the MAC of the dispatcher's interface
     */
    public static List<String> errors(DispatcherConfig config, long ownMac) {
        List<String> errors = new ArrayList<>();
        for (ClusterConfig cluster : config.clusters()) {
            String where = localInterfaceOf(cluster.address());
            if (where != null) {
                errors.add("VIP " + Ipv4.format(cluster.address()) + " is configured on this host (" + where
                        + "): the kernel would answer its clients with RSTs; remove it (ip addr del "
                        + Ipv4.format(cluster.address()) + "/32 dev " + where + "), the dispatcher answers ARP for it");
            }
            for (PortConfig port : cluster.ports()) {
                for (ServerConfig server : port.servers()) {
                    String why = whyNotAServer(server.address(),
                            server.hasStaticMac() ? server.mac() : ServerConfig.NO_MAC, ownMac);
                    if (why != null) {
                        errors.add("real server " + Ipv4.format(server.address()) + " of "
                                + Ipv4.format(cluster.address())
                                + ":" + port.port() + "/" + port.protocol().configName() + ": " + why);
                    }
                }
            }
        }
        return errors.stream().distinct().toList();
    }

    /**
     * Why a real server with this address and static MAC ({@link ServerConfig#NO_MAC} when none)
     * would be this host, or null when it is not.
     */
    public static String whyNotAServer(int address, long mac, long ownMac) {
        if (mac == ownMac) {
            return "its MAC " + MacAddress.format(mac) + " is the dispatcher's own: frames would come back to it";
        }
        String where = localInterfaceOf(address);
        if (where != null) {
            return "the address is this host's own (" + where + "): frames would come back to the dispatcher";
        }
        return null;
    }

    /** Advice that does not stop the start. */
    public static List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        if ("1".equals(read(Path.of("/proc/sys/net/ipv4/ip_forward")))) {
            warnings.add("net.ipv4.ip_forward=1 on the dispatcher host: the kernel may route VIP traffic in parallel "
                    + "to the dispatcher; set it to 0 (sysctl -w net.ipv4.ip_forward=0)");
        }
        return warnings;
    }

    private static String localInterfaceOf(int address) {
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address v4 && toInt(v4.getAddress()) == address) {
                        return nif.getName();
                    }
                }
            }
        } catch (SocketException e) {
            return null;
        }
        return null;
    }

    private static int toInt(byte[] a) {
        return ((a[0] & 0xFF) << 24) | ((a[1] & 0xFF) << 16) | ((a[2] & 0xFF) << 8) | (a[3] & 0xFF);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
