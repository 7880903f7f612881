package dev.dispatcher.control;

import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.dataplane.io.pcap4j.PcapFileSink;
import dev.dispatcher.dataplane.io.pcapfile.PcapFileSource;
import dev.dispatcher.dataplane.pipeline.Pipeline;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Offline mode: the same pipeline from a pcap file to a pcap file, with the capture's timestamps as
 * the clock. ARP is passive (answers and learns, sends nothing of its own), so the output holds
 * exactly the frames the input caused. Every frame of the file gets a verdict, in every threading
 * mode (the file is read at the workers' pace); a damaged input fails the run.
 */
public final class Replay {
    private Replay() {
    }

    public static CounterSnapshot run(DispatcherConfig config, PipelineMode mode, Path in, Path out, long ownMac,
                                      int ownIp, int mtu) throws PacketIoException, InterruptedException {
        ControlPlane control = new ControlPlane(config, "replay", ownMac, ownIp, mtu);
        NeighbourTable neighbours = DataPlaneFactory.neighbours();
        PipelineMode resolved = mode.resolve(Runtime.getRuntime().availableProcessors());
        try (PcapFileSource source = PcapFileSource.open(in, config.io().snaplen())) {
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
            if (source.failure() != null) {
                throw new PacketIoException(source.failure(), null);
            }
            return CounterSnapshot.of(pipeline);
        }
    }
}
