package dev.dispatcher.dataplane.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FlowKeyTest {
    private static final int VIP = 0xC6120064;

    @Test
    void ipv4IsHeldIpv4Mapped() {
        FlowKey key = new FlowKey().ipv4(0xC6120001, VIP, 40000, 80, 6);
        assertEquals(0, key.sourceHigh());
        assertEquals(0x0000_FFFF_C612_0001L, key.sourceLow());
        assertEquals(0x0000_FFFF_C612_0064L, key.destinationLow());
        assertTrue(key.isIpv4());
        assertEquals(0xC6120001, key.ipv4Source());
        assertEquals(VIP, key.ipv4Destination());
        assertEquals("198.18.0.1:40000 > 198.18.0.100:80 proto 6", key.toString());
    }

    @Test
    void anIpv6KeyWithTheSameLowBitsIsAnotherFlow() {
        FlowKey v4 = new FlowKey().ipv4(0xC6120001, VIP, 40000, 80, 6);
        FlowKey v6 = new FlowKey().set(0x2001_0DB8_0000_0000L, v4.sourceLow(), 0x2001_0DB8_0000_0000L,
                v4.destinationLow(), 40000, 80, 6);
        assertFalse(v6.isIpv4());
        assertFalse(v4.sameFlowAs(v6));
        // Equal high words cancel in the direction-free hash (same prefix on both sides): a
        // collision costs a probe, never a wrong match, and other prefixes hash apart.
        FlowKey other = new FlowKey().set(0x2001_0DB8_0001_0000L, v4.sourceLow(), 0x2001_0DB8_0000_0000L,
                v4.destinationLow(), 40000, 80, 6);
        assertNotEquals(v4.hash(), other.hash());
    }

    @Test
    void bothHashesIgnoreTheDirection() {
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            int a = random.nextInt();
            int b = random.nextInt();
            int pa = random.nextInt(65536);
            int pb = random.nextInt(65536);
            int protocol = random.nextBoolean() ? 6 : 17;
            FlowKey forward = new FlowKey().ipv4(a, b, pa, pb, protocol);
            FlowKey reply = new FlowKey().ipv4(b, a, pb, pa, protocol);
            assertEquals(forward.hash(), reply.hash());
            assertEquals(forward.steering(), reply.steering());
            assertFalse(forward.sameFlowAs(reply) && (a != b || pa != pb));
        }
    }

    @Test
    void theSteeringHashIsTheDocumentedThirtyTwoBitFunctionOfTheIpv4Fields() {
        // What the kernel's steering program computes from the packet's bytes (ClassicBpf).
        int src = 0xC6120001;
        int sport = 40000;
        int h = (src ^ VIP) ^ ((sport ^ 80) << 16) ^ 6;
        h *= FlowKey.STEERING_MULTIPLIER_1;
        h ^= h >>> 15;
        h *= FlowKey.STEERING_MULTIPLIER_2;
        h ^= h >>> 13;
        FlowKey key = new FlowKey().ipv4(src, VIP, sport, 80, 6);
        assertEquals(h, key.steering());
        assertEquals(Integer.remainderUnsigned(h, 3), key.shard(3));
    }

    @Test
    void oneVipAndPortSpreadOverTableSlotsAndWorkersWithoutCollisions() {
        Set<Long> hashes = new HashSet<>();
        int[] shards = new int[4];
        int flows = 0;
        for (int client = 1; client <= 256; client++) {
            for (int port = 32768; port < 33024; port++) {
                FlowKey key = new FlowKey().ipv4(0xC6120000 | client, VIP, port, 443, 6);
                hashes.add(key.hash());
                shards[key.shard(4)]++;
                flows++;
            }
        }
        assertEquals(flows, hashes.size(), "64-bit hashes of distinct flows of one service");
        for (int count : shards) {
            assertTrue(Math.abs(count - flows / 4) < flows / 4 / 20, "each of 4 workers within 5%: " + count);
        }
    }

    @Test
    void copyKeepsTheHashes() {
        FlowKey key = new FlowKey().ipv4(0xC6120001, VIP, 40000, 80, 17);
        FlowKey copy = new FlowKey().copyFrom(key);
        assertTrue(copy.sameFlowAs(key));
        assertEquals(key.hash(), copy.hash());
        assertEquals(key.steering(), copy.steering());
        assertEquals(key.hash(), FlowKey.hash(key.sourceHigh(), key.sourceLow(), key.destinationHigh(),
                key.destinationLow(), key.portsWord()), "the table recomputes the same hash from the stored words");
    }
}
