import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.locks.LockSupport;

/**
 * A bounded UDP load generator for the lab benchmarks: sends small datagrams from many source
 * ports (so they are many flows) to one address for a fixed time, then prints how many it sent.
 * Usage: java UdpBlast.java HOST PORT SECONDS [FLOWS] [RATE [WARMUP]]. Only lab addresses
 * (198.18.0.0/15).
 *
 * RATE (datagrams per second, 0 or absent = as fast as possible) paces the sender: it sends what is
 * due and parks about 50 us when nothing is; after a pause it catches up (the average rate holds),
 * except with a WARMUP (latency runs), where it skips what is more than 0.5 ms late instead of
 * bursting (then it sends fewer than SECONDS * RATE: check the printed count). The 18-byte payload
 * carries System.nanoTime() at the
 * send (8 bytes, little-endian) and a flag byte: 1 once WARMUP seconds (default 0) have passed, so a
 * receiver on the same host (UdpSink, any namespace: the monotonic clock is shared) can measure
 * one-way latency of the measured part only. WARMUP is part of SECONDS.
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
        double rate = args.length > 4 ? Double.parseDouble(args[4]) : 0;
        double warmup = args.length > 5 ? Double.parseDouble(args[5]) : 0;
        // Unconnected sockets: ICMP port-unreachable from a server without a listener is ignored
        // instead of failing the next send.
        InetSocketAddress target = new InetSocketAddress(host, port);
        DatagramChannel[] channels = new DatagramChannel[flows];
        for (int i = 0; i < flows; i++) {
            channels[i] = DatagramChannel.open();
            channels[i].bind(null);
        }
        ByteBuffer payload = ByteBuffer.allocateDirect(18).order(ByteOrder.LITTLE_ENDIAN);
        long sent = 0;
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        long measureFrom = start + (long) (warmup * 1e9);
        byte flag = warmup <= 0 ? (byte) 1 : 0;
        int next = 0;
        if (rate <= 0) {
            outer:
            while (true) {
                for (DatagramChannel channel : channels) {
                    payload.clear();
                    payload.putLong(0, System.nanoTime());
                    payload.put(8, (byte) 1);
                    channel.send(payload, target);
                    sent++;
                    if ((sent & 1023) == 0 && System.nanoTime() - deadline >= 0) {
                        break outer;
                    }
                }
            }
        } else {
            double perNano = rate / 1e9;
            long maxBurst = Math.max(4, (long) (rate / 2000)); // 0.5 ms worth
            while (true) {
                long now = System.nanoTime();
                if (now - deadline >= 0) {
                    break;
                }
                if (flag == 0 && now - measureFrom >= 0) {
                    flag = 1;
                }
                long due = (long) ((now - start) * perNano) - sent;
                if (warmup > 0 && due > maxBurst) {
                    // Latency run fell behind (a pause): skip the missed slots instead of bursting to
                    // catch up, which would queue frames and distort latency. It then sends fewer.
                    start += (long) ((due - maxBurst) / perNano);
                    due = maxBurst;
                }
                if (due <= 0) {
                    LockSupport.parkNanos(20_000);
                    continue;
                }
                for (long i = 0; i < Math.min(due, 256); i++) {
                    payload.clear();
                    payload.putLong(0, System.nanoTime());
                    payload.put(8, flag);
                    channels[next].send(payload, target);
                    next = next + 1 == flows ? 0 : next + 1;
                    sent++;
                }
            }
        }
        System.out.println(sent);
    }
}
