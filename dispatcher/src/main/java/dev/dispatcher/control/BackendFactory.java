package dev.dispatcher.control;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.config.RxRing;
import dev.dispatcher.dataplane.io.PacketIoBackend;
import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.dataplane.io.afpacket.AfPacketBackend;
import dev.dispatcher.dataplane.io.afpacket.TpacketVersion;
import dev.dispatcher.dataplane.io.pcap4j.PcapLiveBackend;

/**
 * Opens the live backend that {@code io.backend} names, with capture filters for ARP and the
 * configuration's VIPs; the backend follows later VIP changes itself
 * ({@link PacketIoBackend#followVips}).
 */
public final class BackendFactory {
    private BackendFactory() {
    }

    /** Public for the backend contract test, which opens the live backends exactly as {@code run} does. */
    public static PacketIoBackend open(DispatcherConfig config, InterfaceInfo nic) throws PacketIoException {
        int pollMillis = (int) Math.max(1, config.io().pollTimeout().toMillis());
        int[] vips = vipsOf(config);
        return switch (config.io().backend()) {
            case AFPACKET -> {
                boolean blocks = config.io().rxRing() == RxRing.BLOCKS;
                AfPacketBackend backend = new AfPacketBackend(nic.name(), config.io().snaplen(),
                        config.io().bufferBytes(), pollMillis, nic.mac(), vips,
                        blocks ? TpacketVersion.V3 : TpacketVersion.V2,
                        (int) config.io().rxBlockTimeout().toMillis(), config.io().busyPoll().toNanos());
                if (config.pipeline().mode() != PipelineMode.FANOUT) {
                    // Fanout mode opens a group and an ARP socket instead; a capture socket nobody
                    // reads would only fill its ring.
                    backend.open();
                }
                yield backend;
            }
            case PCAP4J -> {
                PcapLiveBackend backend = new PcapLiveBackend(nic.name(), config.io().snaplen(),
                        config.io().bufferBytes(), pollMillis, nic.mac(), vips);
                backend.open();
                yield backend;
            }
        };
    }

    static int[] vipsOf(DispatcherConfig config) {
        return config.clusters().stream().mapToInt(ClusterConfig::address).distinct().toArray();
    }
}
