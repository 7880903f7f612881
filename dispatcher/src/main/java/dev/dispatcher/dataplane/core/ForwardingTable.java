package dev.dispatcher.dataplane.core;

import dev.dispatcher.dataplane.sched.MaglevTable;
import java.util.Arrays;

/**
 * The immutable forwarding table the control plane compiles from a validated configuration and
 * publishes to the workers: the VIPs, the services (VIP, port, protocol) with their servers and
 * weights, and the real servers themselves. Workers adopt a new instance at the top of a batch;
 * nothing in it changes after construction, so it is shared without synchronisation.
 *
 * <p>Servers are numbered 0..n-1 across the whole table (a server in several services has one
 * index, so one MAC entry and one set of counters).
 *
 * <p>Addresses are 128 bits, as in {@link FlowKey} (IPv4 held IPv4-mapped); the methods taking an
 * {@code int} address are the IPv4 conveniences of ARP and the control plane.
 */
public final class ForwardingTable {
    public static final int NO_SERVICE = -1;
    /**
     * Server indexes are assigned once per address by the control plane and never reused while
     * the process runs, so a flow keeps its server across table swaps; per-server data-plane
     * arrays are sized to this bound up front.
     */
    public static final int MAX_SERVERS = 4096;
    /**
     * A pair is one real server within one service (the same server in two services is two
     * pairs). Pair ids are stable like server indexes; flows store their pair, so per-service
     * counters and the keep/reset policy need no search per packet.
     */
    public static final int MAX_PAIRS = 16384;
    private static final int VIP_ONLY = Integer.MAX_VALUE;
    /** The port-and-protocol word of a map entry that stands for the VIP itself. */
    private static final int ANY_PORT = -1;

    private final long ownMac;
    private final int ownIp;
    private final int mtu;
    private final long[] vipHigh;
    private final long[] vipLow;
    /*
     * The (address, port, protocol) -> service map, open addressing, in two parts: IPv4 entries
     * in one word each (address and port-protocol word side by side, as the IPv4-only table kept
     * them), other families in three. Every frame to a VIP probes it; for IPv4, one compared word
     * in two arrays instead of three words in four is a measured part of the per-frame cost
     * (docs/ARCHITECTURE.md, "What the per-frame cost is made of").
     */
    private final long[] narrowKeys;
    private final int[] narrowValues;
    private final int narrowMask;
    private final long[] wideHigh;
    private final long[] wideLow;
    private final int[] widePortProtocol;
    private final int[] wideValues;
    private final int wideMask;
    private final long[] serviceVipHigh;
    private final long[] serviceVipLow;
    private final int[] servicePort;
    private final int[] serviceProtocol;
    private final int[][] serviceServers;
    private final int[][] serviceWeights;
    private final int[][] servicePairs;
    private final MaglevTable[] serviceMaglev;
    private final boolean[] serviceUsesMaglev;
    private final int[] pairServer;
    private final boolean[] pairKeepsFlows;
    /** Per pair: active flows at which it takes no new flows (0: no limit), and the mark below which it does again. */
    private final int[] pairMaxConnections;
    private final int[] pairMinConnections;
    private final boolean hasConnectionLimits;
    private final long[] serverHigh;
    private final long[] serverLow;
    private final long[] serverStaticMac;
    private final boolean[] serverPresent;
    private final long version;
    private final PartnerWatch partnerWatch;

    private ForwardingTable(Builder b, long version) {
        this.ownMac = b.ownMac;
        this.ownIp = b.ownIp;
        this.mtu = b.mtu;
        this.vipHigh = Arrays.copyOf(b.vipHigh, b.vipCount);
        this.vipLow = Arrays.copyOf(b.vipLow, b.vipCount);
        int services = b.serviceCount;
        this.serviceVipHigh = Arrays.copyOf(b.serviceVipHigh, services);
        this.serviceVipLow = Arrays.copyOf(b.serviceVipLow, services);
        this.servicePort = Arrays.copyOf(b.servicePort, services);
        this.serviceProtocol = Arrays.copyOf(b.serviceProtocol, services);
        this.serviceServers = Arrays.copyOf(b.serviceServers, services);
        this.serviceWeights = Arrays.copyOf(b.serviceWeights, services);
        this.servicePairs = Arrays.copyOf(b.servicePairs, services);
        this.serviceMaglev = Arrays.copyOf(b.serviceMaglev, services);
        this.serviceUsesMaglev = Arrays.copyOf(b.serviceUsesMaglev, services);
        this.pairServer = Arrays.copyOf(b.pairServer, b.pairCount);
        this.pairKeepsFlows = Arrays.copyOf(b.pairKeepsFlows, b.pairCount);
        this.pairMaxConnections = Arrays.copyOf(b.pairMaxConnections, b.pairCount);
        this.pairMinConnections = Arrays.copyOf(b.pairMinConnections, b.pairCount);
        this.hasConnectionLimits = Arrays.stream(pairMaxConnections).anyMatch(max -> max > 0);
        this.serverHigh = Arrays.copyOf(b.serverHigh, b.serverCount);
        this.serverLow = Arrays.copyOf(b.serverLow, b.serverCount);
        this.serverStaticMac = Arrays.copyOf(b.serverStaticMac, b.serverCount);
        this.serverPresent = Arrays.copyOf(b.serverPresent, b.serverCount);
        this.version = version;
        this.partnerWatch = b.partnerWatch;
        int narrow = 0;
        for (int v = 0; v < vipLow.length; v++) {
            narrow += FlowKey.isIpv4(vipHigh[v], vipLow[v]) ? 1 : 0;
        }
        for (int s = 0; s < services; s++) {
            narrow += FlowKey.isIpv4(serviceVipHigh[s], serviceVipLow[s]) ? 1 : 0;
        }
        int narrowSlots = slotsFor(narrow);
        this.narrowMask = narrowSlots - 1;
        this.narrowKeys = new long[narrowSlots];
        this.narrowValues = new int[narrowSlots];
        int wideSlots = slotsFor(vipLow.length + services - narrow);
        this.wideMask = wideSlots - 1;
        this.wideHigh = new long[wideSlots];
        this.wideLow = new long[wideSlots];
        this.widePortProtocol = new int[wideSlots];
        this.wideValues = new int[wideSlots];
        for (int v = 0; v < vipLow.length; v++) {
            put(vipHigh[v], vipLow[v], ANY_PORT, VIP_ONLY);
        }
        for (int s = 0; s < services; s++) {
            put(serviceVipHigh[s], serviceVipLow[s], portProtocol(servicePort[s], serviceProtocol[s]), s);
        }
    }

    private static int portProtocol(int port, int protocol) {
        return port << 8 | protocol;
    }

    /** A power of two at least four times {@code entries}: probes stay short. */
    private static int slotsFor(int entries) {
        return Integer.highestOneBit(Math.max(8, entries * 4) - 1) << 1;
    }

    /** An IPv4 entry's one word: the address in the high half, the port-protocol word in the low. */
    private static long narrowKey(long mappedLow, int portProtocol) {
        return mappedLow << 32 | (portProtocol & 0xFFFF_FFFFL);
    }

    private static int narrowSlot(long key, int mask) {
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 40) & mask;
    }

    private static int wideSlot(long high, long low, int portProtocol, int mask) {
        long h = (high * 0xC2B2_AE3D_27D4_EB4FL ^ low ^ portProtocol) * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & mask;
    }

    private void put(long high, long low, int portProtocol, int value) {
        int stored = value == VIP_ONLY ? VIP_ONLY : value + 1;
        if (FlowKey.isIpv4(high, low)) {
            long key = narrowKey(low, portProtocol);
            int i = narrowSlot(key, narrowMask);
            while (narrowValues[i] != 0) {
                i = (i + 1) & narrowMask;
            }
            narrowKeys[i] = key;
            narrowValues[i] = stored;
            return;
        }
        int i = wideSlot(high, low, portProtocol, wideMask);
        while (wideValues[i] != 0) {
            i = (i + 1) & wideMask;
        }
        wideHigh[i] = high;
        wideLow[i] = low;
        widePortProtocol[i] = portProtocol;
        wideValues[i] = stored;
    }

    /**
     * The stored value (service + 1, or {@link #VIP_ONLY}), 0 when absent. Each part has its own
     * method so that a worker that sees one family compiles only that part into its hot path.
     */
    private int get(long high, long low, int portProtocol) {
        return FlowKey.isIpv4(high, low) ? getNarrow(narrowKey(low, portProtocol)) : getWide(high, low, portProtocol);
    }

    private int getNarrow(long key) {
        int i = narrowSlot(key, narrowMask);
        while (true) {
            int value = narrowValues[i];
            if (value == 0 || narrowKeys[i] == key) {
                return value;
            }
            i = (i + 1) & narrowMask;
        }
    }

    private int getWide(long high, long low, int portProtocol) {
        int i = wideSlot(high, low, portProtocol, wideMask);
        while (true) {
            int value = wideValues[i];
            if (value == 0 || wideLow[i] == low && widePortProtocol[i] == portProtocol && wideHigh[i] == high) {
                return value;
            }
            i = (i + 1) & wideMask;
        }
    }

    /** The low word of the IPv4-mapped form of {@code ipv4}. */
    public static long mapped(int ipv4) {
        return FlowKey.IPV4_MAPPED | (ipv4 & 0xFFFF_FFFFL);
    }

    public boolean isVip(long high, long low) {
        return get(high, low, ANY_PORT) != 0;
    }

    public boolean isVip(int ipv4) {
        return isVip(0, mapped(ipv4));
    }

    /** The service a flow is for (its destination address, port and protocol), or {@link #NO_SERVICE}. */
    public int service(FlowKey key) {
        return service(key.destinationHigh(), key.destinationLow(), key.destinationPort(), key.protocol());
    }

    public int service(long vipHigh, long vipLow, int port, int protocol) {
        int value = get(vipHigh, vipLow, portProtocol(port, protocol));
        return value == 0 || value == VIP_ONLY ? NO_SERVICE : value - 1;
    }

    /** The service index for a packet to IPv4 {@code vip:port/protocol}, or {@link #NO_SERVICE}. */
    public int service(int vip, int port, int protocol) {
        return service(0, mapped(vip), port, protocol);
    }

    public long ownMac() {
        return ownMac;
    }

    public int ownIp() {
        return ownIp;
    }

    /** The high-availability partner the ARP agent watches; {@link PartnerWatch#NONE} without one. */
    public PartnerWatch partnerWatch() {
        return partnerWatch;
    }

    public int mtu() {
        return mtu;
    }

    public int vipCount() {
        return vipLow.length;
    }

    public long vipHigh(int i) {
        return vipHigh[i];
    }

    public long vipLow(int i) {
        return vipLow[i];
    }

    public boolean vipIsIpv4(int i) {
        return FlowKey.isIpv4(vipHigh[i], vipLow[i]);
    }

    /** The VIP as IPv4; meaningful only when {@link #vipIsIpv4}. */
    public int vip(int i) {
        return (int) vipLow[i];
    }

    public int serviceCount() {
        return serviceVipLow.length;
    }

    /** The service's VIP as IPv4 (the low word of its mapped form). */
    public int serviceVip(int s) {
        return (int) serviceVipLow[s];
    }

    /** The service's VIP, high word of 128 bits (0 for IPv4). */
    public long serviceVipHigh(int s) {
        return serviceVipHigh[s];
    }

    /** The service's VIP, low word of 128 bits (IPv4 in its mapped form). */
    public long serviceVipLow(int s) {
        return serviceVipLow[s];
    }

    public int servicePort(int s) {
        return servicePort[s];
    }

    public int serviceProtocol(int s) {
        return serviceProtocol[s];
    }

    /** Copies: for building per-worker schedulers, never per packet. */
    public int[] serviceServers(int s) {
        return serviceServers[s].clone();
    }

    public int[] serviceWeights(int s) {
        return serviceWeights[s].clone();
    }

    /** One past the highest server index in use (indexes of removed servers may be gaps). */
    public int serverCount() {
        return serverLow.length;
    }

    /** True for an index that names a server of this table (not a gap left by a removal). */
    public boolean serverPresent(int server) {
        return server < serverPresent.length && serverPresent[server];
    }

    /** The server's address as IPv4 (the low word of its mapped form). */
    public int serverIp(int server) {
        return (int) serverLow[server];
    }

    public long serverHigh(int server) {
        return serverHigh[server];
    }

    public long serverLow(int server) {
        return serverLow[server];
    }

    /** Static MAC from the configuration, or 0 when the server's MAC is learned by ARP. */
    public long serverStaticMac(int server) {
        return serverStaticMac[server];
    }

    /**
     * The service's Maglev table over its pairs: the scheduler of a {@code maglev} port, and for
     * every port where a TCP segment without SYN that misses the flow table goes. Immutable.
     */
    public MaglevTable maglev(int s) {
        return serviceMaglev[s];
    }

    /** Whether new flows of the service are placed by its Maglev table rather than round-robin. */
    public boolean usesMaglev(int s) {
        return serviceUsesMaglev[s];
    }

    /** The pair ids of a service's servers, parallel to {@link #serviceServers}; a copy. */
    public int[] servicePairs(int s) {
        return servicePairs[s].clone();
    }

    /** One past the highest pair id in this table. */
    public int pairCount() {
        return pairServer.length;
    }

    /** The server of a pair, or -1 when the pair is not in this table (its service or server went away). */
    public int pairServer(int pair) {
        return pair < pairServer.length ? pairServer[pair] : -1;
    }

    /**
     * May an existing flow of this pair stay on its server? False when the server left the
     * service, or is down and the port's policy resets its flows: the next packet is then
     * scheduled afresh.
     */
    public boolean keepsFlow(int pair) {
        return pair < pairKeepsFlows.length && pairKeepsFlows[pair];
    }

    /** Whether any pair has a connection limit: without one the scheduler need not count. */
    public boolean hasConnectionLimits() {
        return hasConnectionLimits;
    }

    /** Active flows at which the pair gets no new flows; 0 when it has no limit. */
    public int maxConnections(int pair) {
        return pair < pairMaxConnections.length ? pairMaxConnections[pair] : 0;
    }

    /** Active flows below which a pair at its limit gets new flows again. */
    public int minConnections(int pair) {
        return pair < pairMinConnections.length ? pairMinConnections[pair] : 0;
    }

    /** Index of the server with this address, or -1; a scan, for ARP frames, not for data. */
    public int serverIndex(long high, long low) {
        for (int i = 0; i < serverLow.length; i++) {
            if (serverPresent[i] && serverLow[i] == low && serverHigh[i] == high) {
                return i;
            }
        }
        return -1;
    }

    public int serverIndex(int ipv4) {
        return serverIndex(0, mapped(ipv4));
    }

    public long version() {
        return version;
    }

    /** Assembles a table; control-plane only. */
    public static final class Builder {
        private long ownMac;
        private int ownIp;
        private int mtu = 1500;
        private PartnerWatch partnerWatch = PartnerWatch.NONE;
        private long[] vipHigh = new long[4];
        private long[] vipLow = new long[4];
        private int vipCount;
        private long[] serviceVipHigh = new long[4];
        private long[] serviceVipLow = new long[4];
        private int[] servicePort = new int[4];
        private int[] serviceProtocol = new int[4];
        private int[][] serviceServers = new int[4][];
        private int[][] serviceWeights = new int[4][];
        private int[][] servicePairs = new int[4][];
        private MaglevTable[] serviceMaglev = new MaglevTable[4];
        private boolean[] serviceUsesMaglev = new boolean[4];
        private int[] pairServer = unassigned(16);
        private boolean[] pairKeepsFlows = new boolean[16];
        private int[] pairMaxConnections = new int[16];
        private int[] pairMinConnections = new int[16];
        private int pairCount;
        private int nextAutoPair;
        private int serviceCount;
        private long[] serverHigh = new long[4];
        private long[] serverLow = new long[4];
        private long[] serverStaticMac = new long[4];
        private boolean[] serverPresent = new boolean[4];
        private int serverCount;

        public Builder ownMac(long mac) {
            this.ownMac = mac;
            return this;
        }

        public Builder ownIp(int ip) {
            this.ownIp = ip;
            return this;
        }

        public Builder mtu(int mtu) {
            this.mtu = mtu;
            return this;
        }

        public Builder partnerWatch(PartnerWatch watch) {
            this.partnerWatch = watch;
            return this;
        }

        public Builder vip(int ipv4) {
            return vip(0, mapped(ipv4));
        }

        public Builder vip(long high, long low) {
            for (int i = 0; i < vipCount; i++) {
                if (vipHigh[i] == high && vipLow[i] == low) {
                    return this;
                }
            }
            if (vipCount == vipLow.length) {
                vipHigh = Arrays.copyOf(vipHigh, vipCount * 2);
                vipLow = Arrays.copyOf(vipLow, vipCount * 2);
            }
            vipHigh[vipCount] = high;
            vipLow[vipCount++] = low;
            return this;
        }

        /** Registers a real server (once per address) at the next free index and returns it. */
        public int server(int ip, long staticMac) {
            long low = mapped(ip);
            for (int i = 0; i < serverCount; i++) {
                if (serverPresent[i] && serverLow[i] == low && serverHigh[i] == 0) {
                    if (staticMac != 0) {
                        serverStaticMac[i] = staticMac;
                    }
                    return i;
                }
            }
            return server(serverCount, ip, staticMac);
        }

        /** Registers a real server at an index the control plane chose (stable across tables). */
        public int server(int index, int ip, long staticMac) {
            return server(index, 0, mapped(ip), staticMac);
        }

        public int server(int index, long high, long low, long staticMac) {
            if (index < 0 || index >= MAX_SERVERS) {
                throw new IllegalArgumentException("server index out of range: " + index);
            }
            if (index >= serverLow.length) {
                int n = Math.max(index + 1, serverLow.length * 2);
                serverHigh = Arrays.copyOf(serverHigh, n);
                serverLow = Arrays.copyOf(serverLow, n);
                serverStaticMac = Arrays.copyOf(serverStaticMac, n);
                serverPresent = Arrays.copyOf(serverPresent, n);
            }
            serverHigh[index] = high;
            serverLow[index] = low;
            serverStaticMac[index] = staticMac;
            serverPresent[index] = true;
            serverCount = Math.max(serverCount, index + 1);
            return index;
        }

        /** Adds a service whose servers all keep their existing flows (pairs numbered in order). */
        public Builder service(int vip, int port, int protocol, int[] servers, int[] weights) {
            boolean[] keep = new boolean[servers.length];
            Arrays.fill(keep, true);
            return service(vip, port, protocol, servers, weights, keep);
        }

        /** As {@link #service(int, int, int, int[], int[], int[], boolean[])} with pairs numbered in order. */
        public Builder service(int vip, int port, int protocol, int[] servers, int[] weights, boolean[] keepFlows) {
            int[] pairs = new int[servers.length];
            for (int i = 0; i < pairs.length; i++) {
                pairs[i] = nextAutoPair++;
            }
            return service(vip, port, protocol, servers, pairs, weights, keepFlows);
        }

        /**
         * Adds a service; {@code servers} are indexes from {@link #server}, {@code pairs} their stable
         * pair ids in this service, {@code keepFlows[i]} whether existing flows stay on
         * {@code servers[i]} (false: rescheduled).
         */
        public Builder service(int vip, int port, int protocol, int[] servers, int[] pairs, int[] weights,
                               boolean[] keepFlows) {
            return service(0, mapped(vip), port, protocol, servers, pairs, weights, keepFlows);
        }

        public Builder service(long vipHigh, long vipLow, int port, int protocol, int[] servers, int[] pairs,
                               int[] weights, boolean[] keepFlows) {
            return service(vipHigh, vipLow, port, protocol, servers, pairs, weights, keepFlows, false,
                    MaglevTable.DEFAULT_SIZE, weights);
        }

        /**
         * Adds a service and builds its Maglev table ({@code maglevSize} slots, a prime) over its
         * pairs: each server's share follows {@code maglevWeights[i]} (0 for a server that must
         * take no slots: down, drained, MAC unknown), its place in the table follows its address.
         * {@code maglevForNewFlows}: the table, not round-robin, picks new flows' servers.
         */
        public Builder service(long vipHigh, long vipLow, int port, int protocol, int[] servers, int[] pairs,
                               int[] weights, boolean[] keepFlows, boolean maglevForNewFlows, int maglevSize,
                               int[] maglevWeights) {
            vip(vipHigh, vipLow);
            if (serviceCount == serviceVipLow.length) {
                int n = serviceCount * 2;
                serviceVipHigh = Arrays.copyOf(serviceVipHigh, n);
                serviceVipLow = Arrays.copyOf(serviceVipLow, n);
                servicePort = Arrays.copyOf(servicePort, n);
                serviceProtocol = Arrays.copyOf(serviceProtocol, n);
                serviceServers = Arrays.copyOf(serviceServers, n);
                serviceMaglev = Arrays.copyOf(serviceMaglev, n);
                serviceUsesMaglev = Arrays.copyOf(serviceUsesMaglev, n);
                serviceWeights = Arrays.copyOf(serviceWeights, n);
                servicePairs = Arrays.copyOf(servicePairs, n);
            }
            for (int i = 0; i < servers.length; i++) {
                int pair = pairs[i];
                if (pair < 0 || pair >= MAX_PAIRS) {
                    throw new IllegalArgumentException("pair id out of range: " + pair);
                }
                if (pair >= pairServer.length) {
                    int n = Math.max(pair + 1, pairServer.length * 2);
                    int old = pairServer.length;
                    pairServer = Arrays.copyOf(pairServer, n);
                    Arrays.fill(pairServer, old, n, -1);
                    pairKeepsFlows = Arrays.copyOf(pairKeepsFlows, n);
                    pairMaxConnections = Arrays.copyOf(pairMaxConnections, n);
                    pairMinConnections = Arrays.copyOf(pairMinConnections, n);
                }
                pairServer[pair] = servers[i];
                pairKeepsFlows[pair] = keepFlows[i];
                pairCount = Math.max(pairCount, pair + 1);
            }
            serviceVipHigh[serviceCount] = vipHigh;
            serviceVipLow[serviceCount] = vipLow;
            servicePort[serviceCount] = port;
            serviceProtocol[serviceCount] = protocol;
            serviceServers[serviceCount] = servers.clone();
            serviceWeights[serviceCount] = weights.clone();
            servicePairs[serviceCount] = pairs.clone();
            long[] identities = new long[servers.length];
            for (int i = 0; i < servers.length; i++) {
                identities[i] = MaglevTable.identity(serverHigh[servers[i]], serverLow[servers[i]]);
            }
            serviceMaglev[serviceCount] = MaglevTable.build(maglevSize, pairs, identities, maglevWeights);
            serviceUsesMaglev[serviceCount] = maglevForNewFlows;
            serviceCount++;
            return this;
        }

        /**
         * Limits a pair added by {@link #service} to {@code max} active flows (0: no limit); once
         * there it gets new flows again below {@code min} (1..max).
         */
        public Builder connectionLimit(int pair, int max, int min) {
            if (pair < 0 || pair >= pairCount || pairServer[pair] < 0) {
                throw new IllegalArgumentException("no such pair: " + pair);
            }
            if (max < 0 || (max > 0 && (min < 1 || min > max))) {
                throw new IllegalArgumentException("connection limit " + max + " with lower mark " + min);
            }
            pairMaxConnections[pair] = max;
            pairMinConnections[pair] = max == 0 ? 0 : min;
            return this;
        }

        private static int[] unassigned(int n) {
            int[] a = new int[n];
            Arrays.fill(a, -1);
            return a;
        }

        public ForwardingTable build(long version) {
            return new ForwardingTable(this, version);
        }
    }
}
