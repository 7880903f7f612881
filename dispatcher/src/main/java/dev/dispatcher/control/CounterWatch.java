package dev.dispatcher.control;

import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.dataplane.arp.ArpAgent;
import dev.dispatcher.dataplane.arp.NeighbourTable;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.io.PacketSource;
import dev.dispatcher.dataplane.pipeline.Pipeline;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the data plane's counters and the neighbour table from the control thread and logs
 * what they reveal: real servers resolved or lost, ARP conflicts, and drops that point at a
 * misconfigured sender or host. Logs transitions only, never a line per packet.
 */
final class CounterWatch {
    private static final Logger LOG = LoggerFactory.getLogger(CounterWatch.class);

    private final ControlPlane control;
    private final NeighbourTable neighbours;
    private final Pipeline pipeline;
    private final List<PacketSource> sources;
    private final String interfaceName;
    private final int snaplen;
    /** Logs transitions only, never a line per packet. */

    private final long[] lastMacs = new long[ForwardingTable.MAX_SERVERS];
    private long lastChecksum;
    private long lastChecksumNotReady;
    private long lastOversize;
    private long lastTruncated;
    private long lastConflicts;
    private long lastNoServer;
    private long lastServerFull;
    /** Whether refusals for full servers went on at the last report: logged once per episode. */
    private boolean serversFull;

    CounterWatch(ControlPlane control, NeighbourTable neighbours, Pipeline pipeline, List<PacketSource> sources,
                 String interfaceName, int snaplen) {
        this.control = control;
        this.neighbours = neighbours;
        this.pipeline = pipeline;
        this.sources = List.copyOf(sources);
        this.interfaceName = interfaceName;
        this.snaplen = snaplen;
    }

    /** Logs what changed since the last call; counter-based warnings only when {@code periodic}. */
    void report(boolean periodic) {
        ForwardingTable table = control.tables().get();
        for (int s = 0; s < table.serverCount(); s++) {
            if (!table.serverPresent(s)) {
                continue;
            }
            long mac = neighbours.mac(s);
            if (mac != lastMacs[s]) {
                if (mac == NeighbourTable.UNKNOWN) {
                    LOG.warn("real server {}: MAC no longer confirmed by ARP; no new flows until it answers",
                            Ipv4.format(table.serverIp(s)));
                } else {
                    LOG.info("real server {} is at {}{}", Ipv4.format(table.serverIp(s)), MacAddress.format(mac),
                            neighbours.isStatic(s) ? " (static)" : " (ARP)");
                }
                lastMacs[s] = mac;
            } else if (mac == NeighbourTable.UNKNOWN && periodic) {
                LOG.warn("real server {}: no ARP reply yet on {}; it gets no flows until resolved",
                        Ipv4.format(table.serverIp(s)), interfaceName);
            }
        }
        if (!periodic) {
            return;
        }
        CounterSnapshot c = CounterSnapshot.of(pipeline);
        long checksum = c.verdicts()[Verdict.BAD_CHECKSUM];
        if (checksum > lastChecksum) {
            LOG.warn("{} new flows dropped with a bad TCP/UDP checksum: a sender with checksum offload on a "
                    + "virtual link (veth, VM)? turn it off there: ethtool -K <iface> tx off tso off gso off",
                    checksum - lastChecksum);
            lastChecksum = checksum;
        }
        // The afpacket sources count frames the kernel flags TP_STATUS_CSUMNOTREADY (plain
        // counters of the receiving threads, read here like the workers' counters).
        long notReady = 0;
        for (PacketSource source : sources) {
            notReady += source.checksumNotReadyFrames();
        }
        if (notReady > lastChecksumNotReady) {
            LOG.warn("{} frames received with a partial checksum (checksum offload of a sender on this host or "
                    + "behind a veth): forwarded as they are, the receiver drops them; turn it off at the sender: "
                    + "ethtool -K <iface> tx off tso off gso off", notReady - lastChecksumNotReady);
            lastChecksumNotReady = notReady;
        }
        long oversize = c.verdicts()[Verdict.OVERSIZE];
        long truncated = c.verdicts()[Verdict.CAPTURE_TRUNCATED];
        if (oversize > lastOversize || truncated > lastTruncated) {
            LOG.warn("{} frames larger than the MTU or than the capture ({} bytes): GRO/LRO on {} or TSO/GSO on a "
                    + "local sender; run: ethtool -K {} gro off lro off (and tso/gso off on the sender)",
                    (oversize - lastOversize) + (truncated - lastTruncated), snaplen, interfaceName, interfaceName);
            lastOversize = oversize;
            lastTruncated = truncated;
        }
        ArpAgent arp = pipeline.workers().getFirst().arp();
        ArpAgent.Conflict conflict = arp == null ? null : arp.lastConflict();
        if (conflict != null && conflict.count() > lastConflicts) {
            LOG.error("ARP conflict: {} claims VIP {} ({} frames): a real server without hidden ARP "
                            + "(run realserver-setup check on it) or a spoofer",
                    MacAddress.format(conflict.mac()), Ipv4.format(conflict.vip()), conflict.count() - lastConflicts);
            lastConflicts = conflict.count();
        }
        long noServer = c.verdicts()[Verdict.NO_SERVER];
        if (noServer > lastNoServer) {
            LOG.warn("{} packets dropped: no eligible real server (all weights 0 or no MAC known)",
                    noServer - lastNoServer);
            lastNoServer = noServer;
        }
        long serverFull = c.verdicts()[Verdict.SERVER_FULL];
        if (serverFull > lastServerFull && !serversFull) {
            LOG.warn("new connections refused: every eligible real server of a port is at its max-connections "
                    + "(verdict server_full; dispatcher status shows the limits); logged once until they get room");
        } else if (serverFull == lastServerFull && serversFull) {
            LOG.info("no more connections refused for full servers ({} in all)", serverFull);
        }
        serversFull = serverFull > lastServerFull;
        lastServerFull = serverFull;
    }
}
