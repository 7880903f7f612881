import java.io.BufferedWriter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Receives UdpBlast's datagrams on a real server and records their one-way latency (the monotonic
 * clock is shared by all network namespaces of a host): java UdpSink.java PORT SECONDS OUTFILE.
 * Binds 0.0.0.0:PORT (so datagrams to the VIP on lo count), stops after SECONDS (at most 60) or a
 * second after the last measured datagram, and
 * writes the latency in nanoseconds of every datagram flagged as measured, one a line, to OUTFILE
 * (at most 4 million). Prints the number of datagrams received.
 */
public final class UdpSink {
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        double seconds = Math.min(60, Double.parseDouble(args[1]));
        Path out = Path.of(args[2]);
        long[] lat = new long[4_000_000];
        int n = 0;
        long received = 0;
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress("0.0.0.0", port));
            ch.socket().setReceiveBufferSize(4 << 20);
            ch.socket().setSoTimeout(200);
            var socket = ch.socket();
            byte[] buf = new byte[2048];
            var packet = new java.net.DatagramPacket(buf, buf.length);
            long deadline = System.nanoTime() + (long) (seconds * 1e9);
            ByteBuffer view = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);
            long last = 0;
            while (System.nanoTime() - deadline < 0) {
                try {
                    socket.receive(packet);
                } catch (SocketTimeoutException e) {
                    // Done once the measured datagrams have stopped for a second.
                    if (n > 0 && System.nanoTime() - last > 1_000_000_000L) {
                        break;
                    }
                    continue;
                }
                long now = System.nanoTime();
                last = now;
                received++;
                if (packet.getLength() >= 9 && buf[8] == 1 && n < lat.length) {
                    lat[n++] = now - view.getLong(0);
                }
            }
        }
        try (BufferedWriter w = Files.newBufferedWriter(out)) {
            for (int i = 0; i < n; i++) {
                w.write(Long.toString(lat[i]));
                w.write('\n');
            }
        }
        System.out.println(received);
    }
}
