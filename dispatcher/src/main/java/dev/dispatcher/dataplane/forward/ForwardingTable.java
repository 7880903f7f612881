package dev.dispatcher.dataplane.forward;

import java.util.Arrays;

/**
 * The immutable forwarding table the control plane compiles from a validated configuration and
 * publishes to the workers: the VIPs, the services (VIP, port, protocol) with their servers and
 * weights, and the real servers themselves. Workers adopt a new instance at the top of a batch;
 * nothing in it changes after construction, so it is shared without synchronisation.
 *
 * <p>Servers are numbered 0..n-1 across the whole table (a server in several services has one
 * index, so one MAC entry and one set of counters).
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

    private final long ownMac;
    private final int ownIp;
    private final int mtu;
    private final int[] vips;
    private final long[] mapKeys;
    private final int[] mapValues;
    private final int mapMask;
    private final int[] serviceVip;
    private final int[] servicePort;
    private final int[] serviceProtocol;
    private final int[][] serviceServers;
    private final int[][] serviceWeights;
    private final int[][] servicePairs;
    private final int[] pairServer;
    private final boolean[] pairKeepsFlows;
    private final int[] serverIp;
    private final long[] serverStaticMac;
    private final boolean[] serverPresent;
    private final long version;

    private ForwardingTable(Builder b, long version) {
        this.ownMac = b.ownMac;
        this.ownIp = b.ownIp;
        this.mtu = b.mtu;
        this.vips = Arrays.copyOf(b.vips, b.vipCount);
        int services = b.serviceCount;
        this.serviceVip = Arrays.copyOf(b.serviceVip, services);
        this.servicePort = Arrays.copyOf(b.servicePort, services);
        this.serviceProtocol = Arrays.copyOf(b.serviceProtocol, services);
        this.serviceServers = Arrays.copyOf(b.serviceServers, services);
        this.serviceWeights = Arrays.copyOf(b.serviceWeights, services);
        this.servicePairs = Arrays.copyOf(b.servicePairs, services);
        this.pairServer = Arrays.copyOf(b.pairServer, b.pairCount);
        this.pairKeepsFlows = Arrays.copyOf(b.pairKeepsFlows, b.pairCount);
        this.serverIp = Arrays.copyOf(b.serverIp, b.serverCount);
        this.serverStaticMac = Arrays.copyOf(b.serverStaticMac, b.serverCount);
        this.serverPresent = Arrays.copyOf(b.serverPresent, b.serverCount);
        this.version = version;
        int slots = Integer.highestOneBit(Math.max(8, (vips.length + services) * 4) - 1) << 1;
        this.mapMask = slots - 1;
        this.mapKeys = new long[slots];
        this.mapValues = new int[slots];
        for (int vip : vips) {
            put(vipKey(vip), VIP_ONLY);
        }
        for (int s = 0; s < services; s++) {
            put(serviceKey(serviceVip[s], servicePort[s], serviceProtocol[s]), s);
        }
    }

    private static long vipKey(int vip) {
        return ((long) vip << 32) | 0xFFFF_FF00L;
    }

    private static long serviceKey(int vip, int port, int protocol) {
        return ((long) vip << 32) | ((long) port << 8) | protocol;
    }

    private static int slotOf(long key, int mask) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & mask;
    }

    private void put(long key, int value) {
        int i = slotOf(key, mapMask);
        while (mapValues[i] != 0) {
            i = (i + 1) & mapMask;
        }
        mapKeys[i] = key;
        mapValues[i] = value == VIP_ONLY ? VIP_ONLY : value + 1;
    }

    private int get(long key) {
        int i = slotOf(key, mapMask);
        while (true) {
            int value = mapValues[i];
            if (value == 0) {
                return 0;
            }
            if (mapKeys[i] == key) {
                return value;
            }
            i = (i + 1) & mapMask;
        }
    }

    public boolean isVip(int address) {
        return get(vipKey(address)) != 0;
    }

    /** The service index for a packet to {@code vip:port/protocol}, or {@link #NO_SERVICE}. */
    public int service(int vip, int port, int protocol) {
        int value = get(serviceKey(vip, port, protocol));
        return value == 0 || value == VIP_ONLY ? NO_SERVICE : value - 1;
    }

    public long ownMac() {
        return ownMac;
    }

    public int ownIp() {
        return ownIp;
    }

    public int mtu() {
        return mtu;
    }

    public int vipCount() {
        return vips.length;
    }

    public int vip(int i) {
        return vips[i];
    }

    public int serviceCount() {
        return serviceVip.length;
    }

    public int serviceVip(int s) {
        return serviceVip[s];
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
        return serverIp.length;
    }

    /** True for an index that names a server of this table (not a gap left by a removal). */
    public boolean serverPresent(int server) {
        return server < serverPresent.length && serverPresent[server];
    }

    public int serverIp(int server) {
        return serverIp[server];
    }

    /** Static MAC from the configuration, or 0 when the server's MAC is learned by ARP. */
    public long serverStaticMac(int server) {
        return serverStaticMac[server];
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

    /** Index of the server with {@code address}, or -1; a scan, for ARP frames, not for data. */
    public int serverIndex(int address) {
        for (int i = 0; i < serverIp.length; i++) {
            if (serverPresent[i] && serverIp[i] == address) {
                return i;
            }
        }
        return -1;
    }

    public long version() {
        return version;
    }

    /** Assembles a table; control-plane only. */
    public static final class Builder {
        private long ownMac;
        private int ownIp;
        private int mtu = 1500;
        private int[] vips = new int[4];
        private int vipCount;
        private int[] serviceVip = new int[4];
        private int[] servicePort = new int[4];
        private int[] serviceProtocol = new int[4];
        private int[][] serviceServers = new int[4][];
        private int[][] serviceWeights = new int[4][];
        private int[][] servicePairs = new int[4][];
        private int[] pairServer = unassigned(16);
        private boolean[] pairKeepsFlows = new boolean[16];
        private int pairCount;
        private int nextAutoPair;
        private int serviceCount;
        private int[] serverIp = new int[4];
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

        public Builder vip(int vip) {
            for (int i = 0; i < vipCount; i++) {
                if (vips[i] == vip) {
                    return this;
                }
            }
            if (vipCount == vips.length) {
                vips = Arrays.copyOf(vips, vipCount * 2);
            }
            vips[vipCount++] = vip;
            return this;
        }

        /** Registers a real server (once per address) at the next free index and returns it. */
        public int server(int ip, long staticMac) {
            for (int i = 0; i < serverCount; i++) {
                if (serverPresent[i] && serverIp[i] == ip) {
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
            if (index < 0 || index >= MAX_SERVERS) {
                throw new IllegalArgumentException("server index out of range: " + index);
            }
            if (index >= serverIp.length) {
                int n = Math.max(index + 1, serverIp.length * 2);
                serverIp = Arrays.copyOf(serverIp, n);
                serverStaticMac = Arrays.copyOf(serverStaticMac, n);
                serverPresent = Arrays.copyOf(serverPresent, n);
            }
            serverIp[index] = ip;
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
            vip(vip);
            if (serviceCount == serviceVip.length) {
                int n = serviceCount * 2;
                serviceVip = Arrays.copyOf(serviceVip, n);
                servicePort = Arrays.copyOf(servicePort, n);
                serviceProtocol = Arrays.copyOf(serviceProtocol, n);
                serviceServers = Arrays.copyOf(serviceServers, n);
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
                }
                pairServer[pair] = servers[i];
                pairKeepsFlows[pair] = keepFlows[i];
                pairCount = Math.max(pairCount, pair + 1);
            }
            serviceVip[serviceCount] = vip;
            servicePort[serviceCount] = port;
            serviceProtocol[serviceCount] = protocol;
            serviceServers[serviceCount] = servers.clone();
            serviceWeights[serviceCount] = weights.clone();
            servicePairs[serviceCount] = pairs.clone();
            serviceCount++;
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
