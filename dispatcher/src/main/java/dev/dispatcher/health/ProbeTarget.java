package dev.dispatcher.health;

import dev.dispatcher.config.AdvisorConfig;
import dev.dispatcher.config.Ipv4;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * What one advisor probes: a real server of one service.
 *
 * @param serverAddress the real server's IPv4 address ({@code a.b.c.d == a << 24 | ...})
 * @param port          the port probed, already resolved (the advisor's port, or the service port
 *                      when the advisor has none; see {@link #probePort})
 * @param vip           the service's VIP (passed to scripts; probes never go through it)
 * @param key           the caller's identity of the (service, server) pair; unique per checker
 */
public record ProbeTarget(int serverAddress, int port, int vip, String key) {

    public ProbeTarget {
        Objects.requireNonNull(key, "key");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1..65535");
        }
    }

    /** The port an advisor probes: its own, or the service port when it has none (0). */
    public static int probePort(AdvisorConfig advisor, int servicePort) {
        return advisor.port() != 0 ? advisor.port() : servicePort;
    }

    /** The socket address probed; built from the bytes, so no name lookup ever happens. */
    public InetSocketAddress socketAddress() {
        byte[] bytes = {(byte) (serverAddress >>> 24), (byte) (serverAddress >>> 16), (byte) (serverAddress >>> 8),
                (byte) serverAddress};
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        } catch (UnknownHostException impossible) {
            throw new AssertionError("four bytes are always an IPv4 address", impossible);
        }
    }

    /** {@code 198.18.0.12:80}: how logs name the target. */
    public String endpoint() {
        return Ipv4.format(serverAddress) + ":" + port;
    }
}
