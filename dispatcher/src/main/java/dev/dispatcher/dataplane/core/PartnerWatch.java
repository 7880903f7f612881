package dev.dispatcher.dataplane.core;

import java.util.Arrays;

/**
 * What the ARP agent does for a high-availability pair, as the control plane compiled it: the
 * partner's MAC (from its authenticated heartbeats), the group of every configured VIP (served
 * here or not), one VIP per group this node does not serve to probe the partner with, how often
 * to probe, and a generation that, when it grows, asks for every served VIP to be announced again.
 *
 * <p>The partner's ARP for a VIP, an answer to a probe or its gratuitous ARP, tells that it is
 * alive and serves that VIP's group even when heartbeats are lost (the segment as a second
 * witness). Immutable; {@link #NONE} for a dispatcher without a partner.
 */
public final class PartnerWatch {
    public static final PartnerWatch NONE = new PartnerWatch(0, 0, new int[0], new int[0], new int[0], 0);
    /** Heartbeats have at most two groups. */
    public static final int MAX_GROUPS = 2;

    private final long partnerMac;
    private final long probeIntervalNanos;
    private final int[] vips;
    private final int[] vipGroups;
    private final int[] probeTargets;
    private final long announceGeneration;

    /**
     * @param vips          every configured IPv4 VIP
     * @param vipGroups     the group of each of {@code vips}
     * @param probeTargets  per group, a VIP of that group this node does not serve, or 0 for none
     */
    public PartnerWatch(long partnerMac, long probeIntervalNanos, int[] vips, int[] vipGroups, int[] probeTargets,
                        long announceGeneration) {
        if (vips.length != vipGroups.length || probeTargets.length > MAX_GROUPS) {
            throw new IllegalArgumentException("one group per VIP, at most " + MAX_GROUPS + " probe targets");
        }
        this.partnerMac = partnerMac;
        this.probeIntervalNanos = probeIntervalNanos;
        this.vips = vips.clone();
        this.vipGroups = vipGroups.clone();
        this.probeTargets = Arrays.copyOf(probeTargets, MAX_GROUPS);
        this.announceGeneration = announceGeneration;
    }

    /** 0 while the partner's MAC is not known (nothing is watched or probed then). */
    public long partnerMac() {
        return partnerMac;
    }

    public long probeIntervalNanos() {
        return probeIntervalNanos;
    }

    /** The group of a configured VIP, -1 for any other address. A few VIPs: a scan is enough (ARP only). */
    public int groupOf(int ipv4) {
        for (int i = 0; i < vips.length; i++) {
            if (vips[i] == ipv4) {
                return vipGroups[i];
            }
        }
        return -1;
    }

    /** The VIP to probe the partner with for {@code group}, 0 when this node serves the whole group. */
    public int probeTarget(int group) {
        return probeTargets[group];
    }

    public long announceGeneration() {
        return announceGeneration;
    }
}
