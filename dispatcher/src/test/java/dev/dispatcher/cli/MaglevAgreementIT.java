package dev.dispatcher.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.testing.Frames;
import dev.dispatcher.testing.PcapFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two dispatcher processes (the packaged jar, each a JVM of its own) given the same configuration
 * written in different orders (servers, ports, keys) send each of 10,000 new flows of a
 * {@code maglev} port, and each of 10,000 segments without SYN that no flow table knows on a
 * {@code wrr} port, to the same real server. That is what lets another dispatcher, or this one
 * after it lost its table, keep established connections where they are.
 */
class MaglevAgreementIT {
    private static final int FLOWS = 10_000;
    private static final int SERVERS = 10;

    @TempDir
    Path dir;

    private static String server(int i, boolean macFirst) {
        String address = "198.18.0." + (11 + i);
        String mac = String.format("02:00:00:00:01:%02x", 0x11 + i);
        int weight = 1 + i % 3;
        String indent = "              ";
        return macFirst
                ? indent + "- mac: " + mac + "\n" + indent + "  weight: " + weight + "\n" + indent + "  address: "
                        + address + "\n"
                : indent + "- address: " + address + "\n" + indent + "  weight: " + weight + "\n" + indent
                        + "  mac: " + mac + "\n";
    }

    private static String port(int port, String scheduler, String servers) {
        return "      - port: " + port + "\n        protocol: tcp\n        scheduler: " + scheduler
                + "\n        servers:\n" + servers;
    }

    private static String config(boolean reordered) {
        StringBuilder servers = new StringBuilder();
        for (int n = 0; n < SERVERS; n++) {
            // The second file lists the servers in another order: 0, 7, 4, 1, 8, 5, 2, 9, 6, 3.
            int i = reordered ? (7 * n) % SERVERS : n;
            servers.append(server(i, reordered));
        }
        String https = port(443, "maglev", servers.toString());
        String http = port(80, "wrr", servers.toString());
        return "interface: eth0\nclusters:\n  - address: 198.18.0.100\n    ports:\n"
                + (reordered ? https + http : http + https);
    }

    private static List<byte[]> frames() {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < FLOWS; i++) {
            Frames.Tcp syn = new Frames.Tcp().srcPort(20_000 + i % 40_000).dstPort(443);
            syn.srcIp = "198.18." + (1 + i / 250) + "." + (1 + i % 250);
            frames.add(syn.build());
            Frames.Tcp lost = syn.copy().dstPort(80).ack();
            frames.add(lost.build());
        }
        return frames;
    }

    /** Which server MAC each (client address, client port, VIP port) went to, from an output capture. */
    private static Map<String, Long> destinations(Path capture) throws IOException {
        Map<String, Long> byFlow = new HashMap<>();
        for (byte[] frame : PcapFiles.read(capture)) {
            ByteBuffer b = ByteBuffer.wrap(frame);
            long mac = ((long) b.getShort(0) & 0xFFFF) << 32 | (b.getInt(2) & 0xFFFF_FFFFL);
            int ipHeader = (b.get(14) & 0x0F) * 4;
            int source = b.getInt(14 + 12);
            int sourcePort = b.getShort(14 + ipHeader) & 0xFFFF;
            int destinationPort = b.getShort(14 + ipHeader + 2) & 0xFFFF;
            byFlow.put(Integer.toHexString(source) + ":" + sourcePort + ">" + destinationPort, mac);
        }
        return byFlow;
    }

    private Path replay(String name, String yaml, Path in, String mode) throws Exception {
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, yaml);
        Path out = dir.resolve(name + ".pcap");
        Path jar = Path.of("target", "dispatcher.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the packaged jar " + jar + " (mvn package) is missing");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString(), "replay", "--config", config.toString(),
                "--in", in.toString(), "--out", out.toString(), "--mode", mode)
                .redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), name + ": replay did not finish in 120 s");
        String log = Files.readString(dir.resolve(name + ".log"));
        assertEquals(0, p.exitValue(), name + ": " + log);
        assertTrue(log.contains("forwarded " + 2 * FLOWS + ","), name + ": every frame forwarded: " + log);
        return out;
    }

    @Test
    void twoProcessesWithTheServersInAnotherOrderPickTheSameServerForEveryFlow() throws Exception {
        String first = config(false);
        String second = config(true);
        assertTrue(!first.equals(second) && first.length() == second.length(), "same content, another order");
        Path in = dir.resolve("flows.pcap");
        PcapFiles.write(in, frames());

        Map<String, Long> a = destinations(replay("first", first, in, "inline"));
        Map<String, Long> b = destinations(replay("second", second, in, "ring"));

        assertEquals(2 * FLOWS, a.size(), "one forwarded frame per flow");
        int differ = 0;
        Map<Long, Integer> perServer = new TreeMap<>();
        for (Map.Entry<String, Long> e : a.entrySet()) {
            if (!e.getValue().equals(b.get(e.getKey()))) {
                differ++;
            }
            perServer.merge(e.getValue(), 1, Integer::sum);
        }
        assertEquals(0, differ, "flows sent to another server by the second process");
        // Weights 1..3 over ten servers (sum 19): each gets its share, so the agreement is not
        // that of a table that sends everything to one server.
        assertEquals(SERVERS, perServer.size(), perServer.toString());
        for (Map.Entry<Long, Integer> e : perServer.entrySet()) {
            int i = (int) (e.getKey() & 0xFF) - 0x11;
            double expected = 2.0 * FLOWS * (1 + i % 3) / 19;
            assertTrue(Math.abs(e.getValue() - expected) < expected * 0.15,
                    "server " + i + " got " + e.getValue() + ", its weight's share is " + expected);
        }
    }
}
