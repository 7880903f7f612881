package dev.dispatcher.control.api;

/**
 * A real server within one service: the VIP, the port and protocol, and the server's address.
 *
 * @param vip      dotted IPv4, e.g. 198.18.0.100
 * @param port     1..65535
 * @param protocol "tcp" or "udp"
 * @param server   dotted IPv4 of the real server
 */
public record ServerRef(String vip, int port, String protocol, String server) {
    @Override
    public String toString() {
        return server + " in " + vip + ":" + port + "/" + protocol;
    }
}
