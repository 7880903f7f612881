package dev.dispatcher.control;

import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.forward.ForwardingTable;
import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.dataplane.io.pcap4j.PcapFileSink;
import dev.dispatcher.dataplane.io.pcap4j.PcapFileSource;
import dev.dispatcher.dataplane.pipeline.Pipeline;
import java.nio.file.Path;

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
        PipelineMode resolved = DataPlaneFactory.resolveMode(mode, Runtime.getRuntime().availableProcessors());
        try (PcapFileSource source = new PcapFileSource(in, config.io().snaplen())) {
            PcapFileSink sink = new PcapFileSink(out, source);
            boolean[] first = {true};
            Pipeline pipeline = DataPlaneFactory.build(config, resolved, control.tables(), neighbours,
                    DataPlaneFactory.arpTimings(config).passive(), source, inline -> {
                        if (first[0]) {
                            first[0] = false;
                            return sink;
                        }
                        return sink.share();
                    });
            try {
                pipeline.start();
                pipeline.awaitTermination();
            } finally {
                pipeline.close();
                for (int i = 0; i < pipeline.workers().size(); i++) {
                    sink.close();
                }
            }
            return CounterSnapshot.of(pipeline);
        }
    }
}
