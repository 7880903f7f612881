package dev.dispatcher.control;

import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.dataplane.io.pcapfile.PcapFileSink;
import dev.dispatcher.dataplane.io.pcapfile.PcapFileSource;
import dev.dispatcher.dataplane.io.pcapfile.PcapFileWriter;
import dev.dispatcher.dataplane.pipeline.Pipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Offline mode: the same pipeline from a pcap file to a pcap file, with the capture's timestamps as
 * the clock. ARP is passive (answers and learns, sends nothing of its own), so the output holds
 * exactly the frames the input caused. Every frame of the file gets a verdict, in every threading
 * mode (the file is read at the workers' pace); a damaged input or a failed write fails the run,
 * and a failed run writes no output.
 */
public final class Replay {
    private Replay() {
    }

    public static CounterSnapshot run(DispatcherConfig config, PipelineMode mode, Path in, Path out, long ownMac,
                                      int ownIp, int mtu) throws PacketIoException, InterruptedException {
        if (isSameFile(in, out)) {
            throw new PacketIoException("output file " + out + " is the input file " + in
                    + ": refusing to overwrite the capture being read", null);
        }
        ControlPlane control = new ControlPlane(config, "replay", ownMac, ownIp, mtu);
        NeighbourTable neighbours = DataPlaneFactory.neighbours();
        PipelineMode resolved = mode.resolve(Runtime.getRuntime().availableProcessors());
        try (PcapFileSource source = PcapFileSource.open(in, config.io().snaplen());
             PcapFileWriter writer = PcapFileWriter.create(out)) {
            List<PcapFileSink> sinks = new ArrayList<>();
            Pipeline pipeline = DataPlaneFactory.build(config, resolved, control.tables(), neighbours,
                    DataPlaneFactory.arpTimings(config).passive(), source, inline -> {
                        PcapFileSink sink = new PcapFileSink(writer);
                        sinks.add(sink);
                        return sink;
                    });
            // Worker i sends through sink i: each output frame gets the time of the input frame
            // its worker is handling, in ring mode too, where the reader is ahead of the workers.
            for (int i = 0; i < sinks.size(); i++) {
                sinks.get(i).stampWith(pipeline.workers().get(i)::frameNanos);
            }
            // A full disk: stop reading, the run has failed.
            writer.onFailure(pipeline::stop);
            try {
                pipeline.start();
                pipeline.awaitTermination();
            } finally {
                pipeline.close();
            }
            if (source.failure() != null) {
                throw new PacketIoException(source.failure(), null);
            }
            writer.commit();
            return CounterSnapshot.of(pipeline);
        }
    }

    /**
     * True when both name one file, also through hard or symbolic links (same device and inode).
     * A path that does not exist cannot be the other.
     */
    public static boolean isSameFile(Path a, Path b) {
        try {
            return Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }
}
