package dev.dispatcher.control;

import dev.dispatcher.control.api.ServiceKey;
import dev.dispatcher.dataplane.core.ForwardingTable;

/**
 * Stable 64-bit digests of what the control plane numbers (see {@link ContentIds}): computed from
 * the addresses as 128-bit words (IPv4 in its IPv4-mapped form, as the data plane holds them),
 * ports and protocol, with a fixed mixing function, so every process and every version of the
 * dispatcher computes the same digest for the same content.
 */
final class Fingerprints {
    private static final long SERVER = 0x5345_5256_4552_0001L;
    private static final long PAIR = 0x5041_4952_0000_0001L;

    private Fingerprints() {
    }

    /** A real server, by its address. */
    static long server(int address) {
        return mix(mix(SERVER, 0), ForwardingTable.mapped(address));
    }

    /** A real server within a service: VIP, port, protocol, server address. */
    static long pair(ServiceKey service, int server) {
        long h = mix(PAIR, 0);
        h = mix(h, ForwardingTable.mapped(service.vip()));
        h = mix(h, (long) service.port() << 8 | service.protocol().ipProtocol);
        h = mix(h, 0);
        return mix(h, ForwardingTable.mapped(server));
    }

    /** One word into the digest: Murmur3's 64-bit finaliser over the running value and the word. */
    private static long mix(long h, long word) {
        long x = h * 0x9E37_79B9_7F4A_7C15L ^ word;
        x ^= x >>> 33;
        x *= 0xFF51_AFD7_ED55_8CCDL;
        x ^= x >>> 33;
        x *= 0xC4CE_B9FE_1A85_EC53L;
        x ^= x >>> 33;
        return x;
    }
}
