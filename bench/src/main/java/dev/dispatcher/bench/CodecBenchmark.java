package dev.dispatcher.bench;

import dev.dispatcher.packet.EthernetFrame;
import dev.dispatcher.packet.Ipv4Packet;
import dev.dispatcher.packet.PacketBuffer;
import dev.dispatcher.packet.TcpSegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baseline every other figure is quoted against: the flyweight parse of one client-to-VIP TCP
 * frame (Ethernet, IPv4 and TCP headers checked, then the fields the forwarder reads: addresses,
 * ports, protocol, flags). It is the least work any frame gets, so "established flow = N x parse"
 * says what the decision adds, and ratios measured in the same run survive a noisy shared machine
 * where absolute nanoseconds do not.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC"})
public class CodecBenchmark {

    private final EthernetFrame eth = new EthernetFrame();
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private PacketBuffer frame;

    @Setup
    public void setUp() {
        frame = PacketBuffer.ofArray(TcpFrames.segment(40000, false));
    }

    @Benchmark
    public long parseTcpFrame() {
        // Nothing is written: the forwarder benchmarks restore the MAC after use, a round before the
        // frame is read again, so neither side reads bytes it has just stored.
        if (eth.wrap(frame) != EthernetFrame.OK || eth.etherType() != EthernetFrame.TYPE_IPV4
                || ip.wrap(frame, eth.payloadOffset()) != Ipv4Packet.OK
                || tcp.wrap(frame, ip.payloadOffset(), ip.payloadLength()) != TcpSegment.OK) {
            return -1;
        }
        return ((long) ip.source() << 32 | ip.destination())
                ^ ((long) tcp.sourcePort() << 24 | (long) tcp.destinationPort() << 8 | tcp.flags())
                ^ eth.destination();
    }
}
