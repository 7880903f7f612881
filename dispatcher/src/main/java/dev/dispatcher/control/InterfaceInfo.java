package dev.dispatcher.control;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the dispatcher needs to know about its interface: MAC, first IPv4 address, MTU. */
public record InterfaceInfo(String name, long mac, int ipv4, int mtu) {

    /** Reads the interface from the kernel; throws with a one-line message when it is unusable. */
    public static InterfaceInfo read(String name) throws InterfaceException {
        NetworkInterface nif;
        try {
            nif = NetworkInterface.getByName(name);
        } catch (SocketException e) {
            throw new InterfaceException("cannot read interface " + name + ": " + e.getMessage());
        }
        if (nif == null) {
            throw new InterfaceException("interface " + name
                    + " does not exist (config key `interface`; see `ip link show`)");
        }
        try {
            if (!nif.isUp()) {
                throw new InterfaceException("interface " + name + " is down (`ip link set " + name + " up`)");
            }
            byte[] hw = nif.getHardwareAddress();
            if (hw == null || hw.length != 6) {
                throw new InterfaceException("interface " + name + " has no Ethernet MAC address");
            }
            long mac = 0;
            for (byte b : hw) {
                mac = (mac << 8) | (b & 0xFF);
            }
            int ipv4 = 0;
            for (InterfaceAddress address : nif.getInterfaceAddresses()) {
                if (address.getAddress() instanceof Inet4Address v4) {
                    byte[] a = v4.getAddress();
                    ipv4 = ((a[0] & 0xFF) << 24) | ((a[1] & 0xFF) << 16) | ((a[2] & 0xFF) << 8) | (a[3] & 0xFF);
                    break;
                }
            }
            return new InterfaceInfo(name, mac, ipv4, readMtu(name, nif.getMTU()));
        } catch (SocketException e) {
            throw new InterfaceException("cannot read interface " + name + ": " + e.getMessage());
        }
    }

    private static int readMtu(String name, int fallback) {
        try {
            return Integer.parseInt(Files.readString(Path.of("/sys/class/net", name, "mtu")).strip());
        } catch (IOException | NumberFormatException e) {
            return fallback;
        }
    }

    /** The interface cannot be used; the message is one line and names it. */
    public static final class InterfaceException extends Exception {
        private static final long serialVersionUID = 1L;

        public InterfaceException(String message) {
            super(message);
        }
    }
}
