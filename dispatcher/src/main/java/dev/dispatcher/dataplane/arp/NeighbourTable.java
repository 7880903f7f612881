package dev.dispatcher.dataplane.arp;

import dev.dispatcher.dataplane.sched.FlowScheduler;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Real servers' MAC addresses by server index. One writer (the ARP-owning worker); other workers
 * read through release/acquire so a MAC is never seen half-written. A MAC of 0 means unknown, and a
 * server whose MAC is unknown takes no new flows.
 */
public final class NeighbourTable implements FlowScheduler.Eligibility {
    public static final long UNKNOWN = 0L;

    private final AtomicLongArray macs;
    private final boolean[] staticMac;
    final long[] confirmedAtNanos;
    final long[] nextRequestAtNanos;
    private long learned;
    private long expired;
    private long changed;

    /** An empty table for up to {@code capacity} servers (all learned by ARP or synced static). */
    public NeighbourTable(int capacity) {
        this.macs = new AtomicLongArray(capacity);
        this.staticMac = new boolean[capacity];
        this.confirmedAtNanos = new long[capacity];
        this.nextRequestAtNanos = new long[capacity];
    }

    /** A table sized to {@code staticMacs}, with the non-zero ones as static entries. */
    public NeighbourTable(long[] staticMacs) {
        this(staticMacs.length);
        for (int i = 0; i < staticMacs.length; i++) {
            if (staticMacs[i] != 0) {
                macs.set(i, staticMacs[i]);
                staticMac[i] = true;
            }
        }
    }

    public int size() {
        return staticMac.length;
    }

    public long mac(int server) {
        return macs.getAcquire(server);
    }

    public boolean isStatic(int server) {
        return staticMac[server];
    }

    @Override
    public boolean eligible(int server) {
        return macs.getAcquire(server) != UNKNOWN;
    }

    /** Records an ARP-confirmed MAC (writer thread only). Static entries never change. */
    public void learn(int server, long mac, long nowNanos) {
        if (staticMac[server]) {
            return;
        }
        long old = macs.get(server);
        if (old != mac) {
            if (old == UNKNOWN) {
                learned++;
            } else {
                changed++;
            }
            macs.setRelease(server, mac);
        }
        confirmedAtNanos[server] = nowNanos;
    }

    /**
     * Takes the static MACs of a new forwarding table (writer thread only): new static entries are
     * set, entries whose static MAC went away fall back to ARP.
     */
    public void syncStatic(dev.dispatcher.dataplane.core.ForwardingTable table) {
        int n = Math.min(staticMac.length, table.serverCount());
        for (int s = 0; s < staticMac.length; s++) {
            long mac = s < n && table.serverPresent(s) ? table.serverStaticMac(s) : 0;
            if (mac != 0) {
                staticMac[s] = true;
                if (macs.get(s) != mac) {
                    macs.setRelease(s, mac);
                }
            } else if (staticMac[s]) {
                staticMac[s] = false;
                macs.setRelease(s, UNKNOWN);
                nextRequestAtNanos[s] = 0;
            }
        }
    }

    /** Forgets a MAC that was not confirmed in time (writer thread only). */
    void expire(int server) {
        if (!staticMac[server] && macs.get(server) != UNKNOWN) {
            macs.setRelease(server, UNKNOWN);
            expired++;
        }
    }

    public long learnedCount() {
        return learned;
    }

    public long expiredCount() {
        return expired;
    }

    public long changedCount() {
        return changed;
    }
}
