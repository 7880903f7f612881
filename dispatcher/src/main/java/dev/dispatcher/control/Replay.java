package dev.dispatcher.control;

import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.dataplane.io.pcap4j.PcapFileSink;
import dev.dispatcher.dataplane.io.pcap4j.PcapFileSource;
import dev.dispatcher.dataplane.pipeline.Pipeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Offline mode: the same pipeline from a pcap file to a pcap file, with the capture's timestamps as
 * the clock. ARP is passive (answers and learns, sends nothing of its own), so the output holds
 * exactly the frames the input caused.
 */
public final class Replay {
    private Replay() {
    }

    public static CounterSnapshot run(DispatcherConfig config, PipelineMode mode, Path in, Path out, long ownMac,
                                      int ownIp, int mtu) throws PacketIoException, InterruptedException {
        ControlPlane control = new ControlPlane(config, "replay", ownMac, ownIp, mtu);
        ForwardingTable table = control.tables().get();
        NeighbourTable neighbours = DataPlaneFactory.neighbours();
        PipelineMode resolved = mode.resolve(Runtime.getRuntime().availableProcessors());
        try (PcapFileSource source = new PcapFileSource(in, config.io().snaplen())) {
            PcapFileSink first = new PcapFileSink(out, source);
            List<PcapFileSink> sinks = new ArrayList<>();
            Pipeline pipeline = DataPlaneFactory.build(config, resolved, control.tables(), neighbours,
                    DataPlaneFactory.arpTimings(config).passive(), source, inline -> {
                        PcapFileSink sink = sinks.isEmpty() ? first : first.share();
                        sinks.add(sink);
                        return sink;
                    });
            try {
                pipeline.start();
                pipeline.awaitTermination();
            } finally {
                pipeline.close();
                sinks.forEach(PcapFileSink::close);
            }
            return CounterSnapshot.of(pipeline);
        }
    }
}
