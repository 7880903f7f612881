import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Restart-gap probe for the lab benchmark bench/lab/restart-gap.sh: many live UDP flows through
 * the dispatcher while it is restarted, and what the real servers saw of it. Only lab addresses
 * (198.18.0.0/15); every loop bounded in count and time. Modes:
 *
 * <pre>
 *   send SOURCE HOST PORT FIRST FLOWS RATE SECONDS READYFILE STOPFILE
 *       (client) opens FLOWS sockets on the local address SOURCE (FLOWS flows, numbered from
 *       FIRST: several senders share the work, a process may hold only so many sockets and an
 *       address has only so many ports), sends one datagram from each at RATE per second, writes
 *       READYFILE, then goes on round-robin over all of them at RATE until SECONDS have passed
 *       since the start or STOPFILE exists. Payload: the flow's number.
 *   sink PORT SECONDS OUTFILE STOPFILE
 *       (real server) until SECONDS or STOPFILE, records the arrival time
 *       (System.nanoTime: one monotonic clock for every namespace of the host) and the flow number
 *       of each datagram, binary, to OUTFILE.
 *   kill PID OUTFILE                              writes System.nanoTime() to OUTFILE, sends SIGTERM
 *       to PID (ProcessHandle.destroy) and waits up to 30 s for it to end; prints how long it took.
 *   analyze SIGNALFILE SINKFILE...                the gap: from the signal to the first datagram
 *       that ends the longest silence after it, at any server; and the flows that were seen at
 *       one server before the signal and at another after it.
 * </pre>
 */
public final class FlowProbe {
    private static final int MAX_FLOWS = 1_000_000;
    private static final int MAX_RECORDS = 20_000_000;

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "send" -> send(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]), Double.parseDouble(args[6]), Double.parseDouble(args[7]),
                    Path.of(args[8]), Path.of(args[9]));
            case "sink" -> sink(Integer.parseInt(args[1]), Double.parseDouble(args[2]), Path.of(args[3]),
                    Path.of(args[4]));
            case "kill" -> kill(Long.parseLong(args[1]), Path.of(args[2]));
            case "analyze" -> analyze(Path.of(args[1]), Arrays.stream(args, 2, args.length).map(Path::of).toList(),
                    System.out);
            default -> throw new IllegalArgumentException("mode send, sink, kill or analyze: " + args[0]);
        }
    }

    private static void send(String source, String host, int port, int first, int flows, double rate,
                             double seconds, Path ready, Path stop) throws IOException {
        for (String address : List.of(source, host)) {
            if (!address.startsWith("198.18.") && !address.startsWith("198.19.")) {
                throw new IllegalArgumentException("only 198.18.0.0/15 lab addresses: " + address);
            }
        }
        if (first < 0 || flows < 1 || first + flows > MAX_FLOWS || rate <= 0 || rate > 1_000_000 || seconds > 180) {
            throw new IllegalArgumentException("flows 1.." + MAX_FLOWS + ", rate 1..1000000, seconds up to 180");
        }
        InetSocketAddress target = new InetSocketAddress(host, port);
        DatagramChannel[] channels = new DatagramChannel[flows];
        for (int i = 0; i < flows; i++) {
            channels[i] = DatagramChannel.open();
            channels[i].bind(new InetSocketAddress(source, 0));
        }
        ByteBuffer payload = ByteBuffer.allocateDirect(4).order(ByteOrder.LITTLE_ENDIAN);
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        double perNano = rate / 1e9;
        long sent = 0;
        int next = 0;
        boolean filled = false;
        long nextStopCheck = start;
        while (System.nanoTime() - deadline < 0) {
            if (System.nanoTime() - nextStopCheck > 0) {
                if (Files.exists(stop)) {
                    break;
                }
                nextStopCheck = System.nanoTime() + 100_000_000L;
            }
            long due = (long) ((System.nanoTime() - start) * perNano) - sent;
            if (due <= 0) {
                // Until the next datagram is due: a shorter park spins the cores the dispatcher
                // under test needs (seven senders parking 20 us each slowed its start threefold).
                LockSupport.parkNanos(Math.max(20_000L, (long) (1 / perNano)));
                continue;
            }
            for (long i = 0; i < Math.min(due, 256); i++) {
                payload.clear();
                payload.putInt(0, first + next);
                channels[next].send(payload, target);
                sent++;
                next = next + 1 == flows ? 0 : next + 1;
                if (next == 0 && !filled) {
                    filled = true;
                    Files.writeString(ready, sent + "\n");
                }
            }
        }
        for (DatagramChannel c : channels) {
            c.close();
        }
        System.out.println("sent " + sent);
    }

    private static void sink(int port, double seconds, Path out, Path stop) throws IOException {
        long[] times = new long[1 << 20];
        int[] flows = new int[1 << 20];
        int n = 0;
        long deadline = System.nanoTime() + (long) (Math.min(seconds, 180) * 1e9);
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.bind(new InetSocketAddress("0.0.0.0", port));
            ch.socket().setReceiveBufferSize(8 << 20);
            ch.socket().setSoTimeout(200);
            var in = ch.socket();
            java.net.DatagramPacket packet = new java.net.DatagramPacket(new byte[64], 64);
            long nextStopCheck = System.nanoTime();
            while (System.nanoTime() - deadline < 0 && n < MAX_RECORDS) {
                if (System.nanoTime() - nextStopCheck > 0) {
                    if (Files.exists(stop)) {
                        break;
                    }
                    nextStopCheck = System.nanoTime() + 100_000_000L;
                }
                try {
                    in.receive(packet);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                long now = System.nanoTime();
                if (packet.getLength() < 4) {
                    continue;
                }
                if (n == times.length) {
                    times = Arrays.copyOf(times, n * 2);
                    flows = Arrays.copyOf(flows, n * 2);
                }
                times[n] = now;
                flows[n] = ByteBuffer.wrap(packet.getData(), 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
                n++;
            }
        }
        ByteBuffer file = ByteBuffer.allocate(4 + n * 12).order(ByteOrder.LITTLE_ENDIAN);
        file.putInt(n);
        for (int i = 0; i < n; i++) {
            file.putLong(times[i]).putInt(flows[i]);
        }
        Files.write(out, file.array());
        System.out.println("received " + n);
    }

    private static void kill(long pid, Path out) throws Exception {
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid));
        long signalled = System.nanoTime();
        Files.writeString(out, signalled + "\n");
        process.destroy();
        // Polled every millisecond: onExit() of a process that is not our child polls with a
        // back-off and reported 2.2 s for an exit strace saw 90 ms after the signal.
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        long deadline = signalled + 30_000_000_000L;
        while (running(stat)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("pid " + pid + " still runs 30 s after SIGTERM");
            }
            LockSupport.parkNanos(1_000_000);
        }
        System.out.printf("stopped in %.0f ms%n", (System.nanoTime() - signalled) / 1e6);
    }

    /** Running unless gone or a zombie (exited, not yet reaped). */
    private static boolean running(Path stat) {
        try {
            String text = Files.readString(stat);
            return text.charAt(text.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private record Arrival(long time, int flow, int server) {
    }

    static void analyze(Path signalFile, List<Path> sinks, PrintStream out) throws IOException {
        long signal = Long.parseLong(Files.readString(signalFile).strip());
        List<Arrival> all = new ArrayList<>();
        for (int s = 0; s < sinks.size(); s++) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(sinks.get(s))).order(ByteOrder.LITTLE_ENDIAN);
            int n = b.getInt();
            for (int i = 0; i < n; i++) {
                all.add(new Arrival(b.getLong(), b.getInt(), s));
            }
        }
        all.sort((a, b) -> Long.compare(a.time(), b.time()));
        // The longest silence that ends after the signal: the restart.
        long lastBefore = signal;
        long gapStart = signal;
        long gapEnd = signal;
        for (Arrival a : all) {
            if (a.time() - lastBefore > gapEnd - gapStart && a.time() > signal) {
                gapStart = lastBefore;
                gapEnd = a.time();
            }
            lastBefore = a.time();
        }
        int flows = 0;
        for (Arrival a : all) {
            flows = Math.max(flows, a.flow() + 1);
        }
        int[] before = new int[flows];
        int[] after = new int[flows];
        Arrays.fill(before, -1);
        Arrays.fill(after, -1);
        long afterCount = 0;
        for (Arrival a : all) {
            if (a.time() < gapStart + 1) {
                before[a.flow()] = a.server();
            } else if (a.time() >= gapEnd && after[a.flow()] < 0) {
                after[a.flow()] = a.server();
                afterCount++;
            }
        }
        int both = 0;
        int moved = 0;
        for (int f = 0; f < flows; f++) {
            if (before[f] >= 0 && after[f] >= 0) {
                both++;
                moved += before[f] != after[f] ? 1 : 0;
            }
        }
        // signal_to_first_after: SIGTERM to the first datagram a server got after the silence (the new
        // process's first forwarded frame); old_last: the old process's last one, from the signal.
        out.printf("signal_to_first_after_ms %.1f gap_ms %.1f old_last_ms %.1f flows %d "
                        + "seen_before_and_after %d moved %d datagrams %d after %d%n",
                (gapEnd - signal) / 1e6, (gapEnd - gapStart) / 1e6, (gapStart - signal) / 1e6, flows, both, moved,
                all.size(), afterCount);
    }
}
