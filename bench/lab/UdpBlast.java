import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * A bounded UDP load generator for the lab benchmarks: sends small datagrams from many source
 * ports (so they are many flows) to one address for a fixed time, then prints how many it sent.
 * Usage: java UdpBlast.java HOST PORT SECONDS [FLOWS]. Only lab addresses (198.18.0.0/15).
 */
public final class UdpBlast {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        if (!host.startsWith("198.18.") && !host.startsWith("198.19.")) {
            throw new IllegalArgumentException("only 198.18.0.0/15 lab addresses: " + host);
        }
        int port = Integer.parseInt(args[1]);
        double seconds = Math.min(30, Double.parseDouble(args[2]));
        int flows = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        // Unconnected sockets: ICMP port-unreachable from a server without a listener is ignored
        // instead of failing the next send.
        InetSocketAddress target = new InetSocketAddress(host, port);
        DatagramChannel[] channels = new DatagramChannel[flows];
        for (int i = 0; i < flows; i++) {
            channels[i] = DatagramChannel.open();
            channels[i].bind(null);
        }
        ByteBuffer payload = ByteBuffer.allocateDirect(18);
        long sent = 0;
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        outer:
        while (true) {
            for (DatagramChannel channel : channels) {
                payload.clear();
                channel.send(payload, target);
                sent++;
                if ((sent & 1023) == 0 && System.nanoTime() - deadline >= 0) {
                    break outer;
                }
            }
        }
        System.out.println(sent);
    }
}
