package dev.dispatcher.bench;

/** Builds valid client-to-VIP TCP frames (with correct checksums) for the benchmarks. */
final class TcpFrames {
    /** Ethernet + IPv4 + TCP headers, no payload. */
    static final int LENGTH = 14 + 20 + 20;
    static final int CLIENT_IP = 0xC6120001;
    static final int VIP = 0xC6120064;

    private TcpFrames() {
    }

    static byte[] segment(int sourcePort, boolean syn) {
        byte[] f = new byte[LENGTH];
        write(f, 0, CLIENT_IP, sourcePort, syn);
        return f;
    }

    /** Writes one frame from {@code sourceIp:sourcePort} to VIP:80 at {@code at} in {@code f}. */
    static void write(byte[] f, int at, int sourceIp, int sourcePort, boolean syn) {
        long dst = 0x020000000002L;
        long src = 0x020000000001L;
        for (int i = 0; i < 6; i++) {
            f[at + i] = (byte) (dst >>> (40 - 8 * i));
            f[at + 6 + i] = (byte) (src >>> (40 - 8 * i));
        }
        f[at + 12] = 0x08;
        int ip = at + 14;
        f[ip] = 0x45;
        f[ip + 3] = 40;
        f[ip + 6] = 0x40;
        f[ip + 8] = 64;
        f[ip + 9] = 6;
        putInt(f, ip + 12, sourceIp);
        putInt(f, ip + 16, VIP);
        int ipSum = checksum(f, ip, 20, 0);
        f[ip + 10] = (byte) (ipSum >>> 8);
        f[ip + 11] = (byte) ipSum;
        int t = ip + 20;
        f[t] = (byte) (sourcePort >>> 8);
        f[t + 1] = (byte) sourcePort;
        f[t + 3] = 80;
        f[t + 12] = 0x50;
        f[t + 13] = (byte) (syn ? 0x02 : 0x10);
        f[t + 14] = (byte) 0xFA;
        long pseudo = (sourceIp >>> 16) + (sourceIp & 0xFFFF) + (VIP >>> 16) + (VIP & 0xFFFF) + 6 + 20;
        int tcpSum = checksum(f, t, 20, pseudo);
        f[t + 16] = (byte) (tcpSum >>> 8);
        f[t + 17] = (byte) tcpSum;
    }

    private static void putInt(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 24);
        f[at + 1] = (byte) (v >>> 16);
        f[at + 2] = (byte) (v >>> 8);
        f[at + 3] = (byte) v;
    }

    private static int checksum(byte[] f, int at, int length, long initial) {
        long sum = initial;
        for (int i = 0; i < length; i += 2) {
            sum += ((f[at + i] & 0xFF) << 8) | (f[at + i + 1] & 0xFF);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }
}
