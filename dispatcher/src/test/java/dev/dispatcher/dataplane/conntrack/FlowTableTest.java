package dev.dispatcher.dataplane.conntrack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.packet.TcpSegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FlowTableTest {
    private static final long S = 1_000_000_000L;
    private static final FlowTimeouts T = new FlowTimeouts(5 * S, 100 * S, 20 * S, 2 * S, 30 * S);

    private static FlowKey key(int i) {
        return new FlowKey().ipv4(0xC6120000 | i, 0xC6120064, 1024 + (i & 0x7FFF), 80, 6);
    }

    private static int insert(FlowTable t, int i, int pair, int state, long now) {
        return t.insert(key(i), pair, state, now);
    }

    private static int lookup(FlowTable t, int i, long now) {
        return t.lookup(key(i), now);
    }

    @Test
    void timeoutsFollowTcpState() {
        FlowTable t = new FlowTable(1024, T);
        int slot = insert(t, 1, 7, FlowState.TCP_SYN, 0);
        assertEquals(7, t.pairAt(slot));
        assertNotEquals(FlowTable.MISS, lookup(t, 1, 4 * S), "SYN state lives 5 s");
        assertEquals(FlowTable.MISS, lookup(t, 1, 5 * S + 1 + 4 * S), "expired 5 s after the last packet");
        assertEquals(0, t.size(), "an expired entry met by lookup is removed");

        slot = insert(t, 2, 1, FlowState.TCP_SYN, 0);
        t.touch(slot, FlowState.next(FlowState.TCP_SYN, TcpSegment.ACK, false), S);
        assertEquals(FlowState.TCP_ESTABLISHED, t.stateAt(slot));
        assertNotEquals(FlowTable.MISS, lookup(t, 2, 100 * S));
        assertEquals(FlowTable.MISS, lookup(t, 2, 101 * S + 1));

        slot = insert(t, 3, 1, FlowState.TCP_ESTABLISHED, 0);
        t.touch(slot, FlowState.next(FlowState.TCP_ESTABLISHED, TcpSegment.ACK | TcpSegment.FIN, false), 0);
        assertEquals(FlowState.TCP_CLOSING, t.stateAt(slot));
        assertEquals(FlowTable.MISS, lookup(t, 3, 20 * S + 1));

        slot = insert(t, 4, 1, FlowState.TCP_ESTABLISHED, 0);
        t.touch(slot, FlowState.next(FlowState.TCP_ESTABLISHED, TcpSegment.RST, false), 0);
        assertEquals(FlowState.TCP_RESET, t.stateAt(slot));
        assertEquals(FlowTable.MISS, lookup(t, 4, 2 * S + 1));

        insert(t, 5, 1, FlowState.UDP, 0);
        assertNotEquals(FlowTable.MISS, lookup(t, 5, 29 * S));
        assertEquals(FlowTable.MISS, lookup(t, 5, 60 * S));
    }

    @Test
    void sweepRemovesExpiredWithBoundedWork() {
        FlowTable t = new FlowTable(10_000, T);
        for (int i = 0; i < 10_000; i++) {
            insert(t, i, i % 3, i < 5_000 ? FlowState.TCP_RESET : FlowState.TCP_ESTABLISHED, 0);
        }
        assertEquals(10_000, t.size());
        int removed = t.sweep(3 * S, 256);
        assertTrue(removed <= 256 + FlowTable.EVICTION_SLOTS * 4, "one call does bounded work: " + removed);
        int calls = 1;
        while (t.size() > 5_000 && calls < 10_000) {
            t.sweep(3 * S, 256);
            calls++;
        }
        assertEquals(5_000, t.size(), "every reset flow swept, no established one");
        assertTrue(calls <= t.slots() / 256 + 1, "one pass over the slots suffices: " + calls);
        for (int i = 5_000; i < 10_000; i++) {
            assertNotEquals(FlowTable.MISS, lookup(t, i, 3 * S), "flow " + i + " survives the sweep");
        }
        assertEquals(5_000, t.evictedExpired());
    }

    @Test
    void capacityIsBoundedAndEvictsTheStalestNearby() {
        FlowTable t = new FlowTable(1024, T);
        for (int i = 0; i < 1024; i++) {
            assertNotEquals(FlowTable.FULL, insert(t, i, 0, FlowState.TCP_ESTABLISHED, i));
        }
        assertEquals(1024, t.size());
        for (int i = 1024; i < 3000; i++) {
            assertNotEquals(FlowTable.FULL, insert(t, i, 1, FlowState.TCP_ESTABLISHED, 10_000 + i));
            assertTrue(t.size() <= 1024);
        }
        assertEquals(1024, t.size());
        assertEquals(3000 - 1024, t.evictedCapacity());
        int newest = 0;
        for (int i = 2000; i < 3000; i++) {
            if (lookup(t, i, 20_000) != FlowTable.MISS) {
                newest++;
            }
        }
        int oldest = 0;
        for (int i = 0; i < 1024; i++) {
            if (lookup(t, i, 20_000) != FlowTable.MISS) {
                oldest++;
            }
        }
        // Eviction is local to the probe window (constant work), so it approximates LRU.
        assertTrue(newest > 800, "recent flows survive eviction: " + newest);
        assertTrue(oldest < 100, "the stalest flows were evicted first: " + oldest + " survive");
    }

    @Test
    void matchesAReferenceMapUnderRandomChurn() {
        FlowTable t = new FlowTable(4096, T);
        Map<Integer, Integer> reference = new HashMap<>();
        Random random = new Random(42);
        for (int step = 0; step < 200_000; step++) {
            int i = random.nextInt(3000);
            int slot = lookup(t, i, 0);
            if (reference.containsKey(i)) {
                assertNotEquals(FlowTable.MISS, slot, "flow " + i + " present");
                assertEquals((int) reference.get(i), t.pairAt(slot));
                if (random.nextBoolean()) {
                    t.remove(slot);
                    reference.remove(i);
                }
            } else {
                assertEquals(FlowTable.MISS, slot, "flow " + i + " absent");
                insert(t, i, i % 5, FlowState.TCP_ESTABLISHED, 0);
                reference.put(i, i % 5);
            }
            assertEquals(reference.size(), t.size());
        }
    }

    /**
     * Kind 0 is IPv4 (stored narrow), kind 1 IPv6, kind 2 IPv6 whose low address words equal the
     * IPv4 key's mapped words (only the high words tell them apart): all three must be distinct
     * entries, survive backward shifts among each other and come back out word for word.
     */
    private static FlowKey mixedKey(int i) {
        int n = i / 3;
        long low = FlowKey.IPV4_MAPPED | (0xC6120000L | n);
        long vip = FlowKey.IPV4_MAPPED | 0xC6120064L;
        return switch (i % 3) {
            case 0 -> new FlowKey().ipv4(0xC6120000 | n, 0xC6120064, 1024 + n, 80, 6);
            case 1 -> new FlowKey().set(0x2001_0DB8_0000_0000L, n, 0x2001_0DB8_0000_0000L, 0x64, 1024 + n, 80, 6);
            default -> new FlowKey().set(0x2001_0DB8_0000_0000L, low, 0x2001_0DB8_0000_0000L, vip, 1024 + n, 80, 6);
        };
    }

    @Test
    void ipv4AndIpv6KeysShareTheTableExactly() {
        FlowTable t = new FlowTable(256, T);
        Map<Integer, Integer> reference = new HashMap<>();
        Random random = new Random(7);
        for (int step = 0; step < 100_000; step++) {
            int i = random.nextInt(240);
            int slot = t.lookup(mixedKey(i), 0);
            if (reference.containsKey(i)) {
                assertNotEquals(FlowTable.MISS, slot, "flow " + mixedKey(i) + " present");
                assertEquals((int) reference.get(i), t.pairAt(slot), "flow " + mixedKey(i));
                if (random.nextBoolean()) {
                    t.remove(slot);
                    reference.remove(i);
                }
            } else {
                assertEquals(FlowTable.MISS, slot, "flow " + mixedKey(i) + " absent");
                t.insert(mixedKey(i), i, FlowState.TCP_ESTABLISHED, 0);
                reference.put(i, i);
            }
        }
        Map<Integer, String> seen = new HashMap<>();
        t.forEachLive(0, (sh, sl, dh, dl, ports, pair, state, left) -> seen.put(pair,
                new FlowKey().set(sh, sl, dh, dl, (int) (ports >>> 32) & 0xFFFF, (int) (ports >>> 16) & 0xFFFF,
                        (int) (ports >>> 8) & 0xFF).toString()));
        assertEquals(reference.size(), seen.size());
        for (int i : reference.keySet()) {
            assertEquals(mixedKey(i).toString(), seen.get(i), "the stored words of entry " + i);
        }
        for (int i : reference.keySet()) {
            FlowKey k = mixedKey(i);
            FlowKey reply = new FlowKey().set(k.destinationHigh(), k.destinationLow(), k.sourceHigh(), k.sourceLow(),
                    k.destinationPort(), k.sourcePort(), k.protocol());
            assertEquals(k.hash(), reply.hash(), "direction-free hash of " + k);
        }
    }

    @Test
    void evictionAtCapacityKeepsEveryOtherFlowAndItsAccounting() {
        // Full-table churn takes both eviction paths (victim reused in place on the new flow's
        // probe chain, or deleted with a backward shift elsewhere): each insert must cost exactly
        // one flow, leave every other one reachable with its server, and keep activeFlows exact.
        int capacity = 700;
        FlowTable t = new FlowTable(capacity, T);
        Map<Integer, Integer> reference = new HashMap<>();
        Random random = new Random(7);
        long now = 0;
        for (int step = 0; step < 6_000; step++) {
            now += 1_000;
            int i = random.nextInt(20_000);
            int slot = lookup(t, i, now);
            if (slot != FlowTable.MISS) {
                assertEquals((int) reference.get(i), t.pairAt(slot), "flow " + i + " kept its server");
                t.touch(slot, random.nextInt(8) == 0 ? FlowState.TCP_CLOSING : FlowState.TCP_ESTABLISHED, now);
                continue;
            }
            assertTrue(!reference.containsKey(i), "flow " + i + " lost without an eviction");
            boolean full = t.size() == capacity;
            int server = i % 7;
            assertNotEquals(FlowTable.FULL, insert(t, i, server, FlowState.TCP_SYN, now));
            reference.put(i, server);
            if (full) {
                int lost = 0;
                for (var it = reference.entrySet().iterator(); it.hasNext();) {
                    var e = it.next();
                    if (lookup(t, e.getKey(), now) == FlowTable.MISS) {
                        assertNotEquals(i, (int) e.getKey(), "the new flow is reachable");
                        it.remove();
                        lost++;
                    }
                }
                assertEquals(1, lost, "one flow evicted per insert into a full table (step " + step + ")");
            }
            assertEquals(reference.size(), t.size());
        }
        assertTrue(t.evictedCapacity() > 4_000, "the table ran full: " + t.evictedCapacity());
        long active = 0;
        for (int s = 0; s < 7; s++) {
            long expected = 0;
            for (var e : reference.entrySet()) {
                int slot = lookup(t, e.getKey(), now);
                if (e.getValue() == s && t.stateAt(slot) != FlowState.TCP_CLOSING) {
                    expected++;
                }
            }
            assertEquals(expected, t.activeFlows(s), "active flows of " + s);
            active += expected;
        }
        assertTrue(active > 0);
    }

    @Test
    void aFullTableUnderChurnAlwaysFindsAVictim() {
        // Four times more flows than capacity, each new in turn (a SYN flood's pattern): eviction
        // hollows out whole regions, so a new flow's home window is sometimes empty; it must still
        // get a slot (ForwarderBenchmark.newFlow saw table_full on 17% of SYNs before the wider search).
        FlowTable t = new FlowTable(1024, T);
        long now = 0;
        int refused = 0;
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 4096; i++) {
                now += 1_000;
                // One client, 4096 source ports: the benchmark's flows.
                FlowKey key = new FlowKey().ipv4(0xC6120005, 0xC6120064, 10_000 + i, 80, 6);
                if (t.lookup(key, now) == FlowTable.MISS
                        && t.insert(key, 1, FlowState.TCP_SYN, now) == FlowTable.FULL) {
                    refused++;
                }
            }
        }
        assertEquals(0, refused, "new flows refused by a full table");
        assertEquals(1024, t.size());
        assertEquals(1024, t.activeFlows(1));
    }

    @Test
    void activeFlowsFollowStateChangesAndRemovals() {
        FlowTable t = new FlowTable(2048, T);
        int[] slots = new int[1500];
        for (int i = 0; i < 1500; i++) {
            slots[i] = insert(t, i, i % 3, FlowState.TCP_ESTABLISHED, 0);
        }
        assertEquals(500, t.activeFlows(1));
        t.touch(lookup(t, 1, 0), FlowState.TCP_CLOSING, 0);
        assertEquals(499, t.activeFlows(1), "a closing flow is no longer active");
        t.remove(lookup(t, 4, 0));
        assertEquals(498, t.activeFlows(1));
        t.reassign(lookup(t, 7, 0), 2, FlowState.TCP_SYN, 0);
        assertEquals(497, t.activeFlows(1));
        assertEquals(501, t.activeFlows(2));
        t.sweep(T.tcpClosingNanos() + 1, t.slots());
        assertEquals(497, t.activeFlows(1), "expiring the closing flow does not count it twice");
    }

    /**
     * A bulk copy in chunks misses nothing: a removal behind the copy's cursor that shifts an
     * entry from ahead of the cursor into the part already told tells that entry at once. Tried
     * at every slot of a dense table, with the cursor just past it.
     */
    @Test
    void aBulkCopyTellsEveryFlowWhateverIsRemovedBetweenChunks() {
        int flows = 700;
        int movesTold = 0;
        for (int cut = 1; cut < 2048; cut++) {
            FlowTable t = new FlowTable(1024, T);
            for (int i = 0; i < flows; i++) {
                insert(t, i, 1, FlowState.TCP_ESTABLISHED, 0);
            }
            if (cut >= t.slots()) {
                break;
            }
            java.util.Set<Integer> told = new java.util.HashSet<>();
            int[] duringRemoval = {0};
            boolean[] removing = {false};
            t.events((kind, key, pair, state, nanos) -> {
                if (kind == FlowEvents.CREATED) {
                    told.add(key.ipv4Source());
                    duringRemoval[0] += removing[0] ? 1 : 0;
                }
            });
            t.dump(0, cut, S);
            // The entry just behind the cursor leaves (a FIN, an expiry): its run shifts back.
            int victim = cut - 1;
            java.util.Set<Integer> live = new java.util.HashSet<>();
            t.forEachLive(S, (sh, sl, dh, dl, ports, pair, state, left) -> live.add((int) sl));
            Integer gone = null;
            if (t.remainingNanos(victim, S) > 0 && t.stateAt(victim) == FlowState.TCP_ESTABLISHED) {
                java.util.List<Integer> liveBefore = new java.util.ArrayList<>(live);
                removing[0] = true;
                t.remove(victim);
                removing[0] = false;
                java.util.Set<Integer> after = new java.util.HashSet<>();
                t.forEachLive(S, (sh, sl, dh, dl, ports, pair, state, left) -> after.add((int) sl));
                for (int source : liveBefore) {
                    if (!after.contains(source)) {
                        gone = source;
                    }
                }
                live.clear();
                live.addAll(after);
            }
            int cursor = cut;
            while (cursor >= 0) {
                cursor = t.dump(cursor, 64, S);
            }
            int at = cut;
            live.forEach(source -> assertTrue(told.contains(source),
                    "cut " + at + ": flow from " + Integer.toHexString(source) + " never told"));
            if (gone != null) {
                movesTold += duringRemoval[0];
            }
        }
        assertTrue(movesTold > 0, "some removal moved an entry behind the cursor and told it");
    }

    @Test
    void evictionTakesTheCheapestKindFirstAndTheEstablishedFlowIdleLongestLast() {
        // Capacity 12 gives 16 slots: every eviction window sees the whole table, so the order is
        // the rule's, not the hash's. The pair is the entry's id.
        FlowTable t = new FlowTable(12, T);
        List<Integer> evicted = new ArrayList<>();
        t.events((kind, key, pair, state, nanos) -> {
            if (kind == FlowEvents.ENDED) {
                evicted.add(pair);
            }
        });
        long now = 1_000 * S;
        long ms = S / 1000;
        insert(t, 1, 1, FlowState.TCP_ESTABLISHED, now - 60 * S);
        insert(t, 2, 2, FlowState.TCP_ESTABLISHED, now - 90 * S);
        insert(t, 3, 3, FlowState.UDP, now - 10 * S);
        insert(t, 4, 4, FlowState.TCP_CLOSING, now - S);
        insert(t, 5, 5, FlowState.TCP_RESET, now);
        insert(t, 6, 6, FlowState.TCP_UNCONFIRMED, now - 2 * S);
        insert(t, 7, 7, FlowState.TCP_UNCONFIRMED, now);
        insert(t, 8, 8, FlowState.TCP_SYN, now - S);
        insert(t, 9, 9, FlowState.TCP_SYN, now - 3 * S);
        insert(t, 10, 10, FlowState.TCP_ESTABLISHED, now - 101 * S);  // expired: T gives established 100 s
        insert(t, 11, 11, FlowState.TCP_ESTABLISHED, now - 30 * S);
        insert(t, 12, 12, FlowState.UDP, now - 20 * S);
        assertEquals(12, t.size());

        // A SYN flood displaces the expired entry, then syn flows oldest first, then its own
        // older SYNs: never an unconfirmed, closing or live flow.
        for (int i = 0; i < 12; i++) {
            assertNotEquals(FlowTable.FULL, insert(t, 100 + i, 100 + i, FlowState.TCP_SYN, now + (i + 1) * ms));
        }
        assertEquals(List.of(10, 9, 8, 100, 101, 102, 103, 104, 105, 106, 107, 108), evicted);
        assertEquals(1, t.evictedExpired(), "the expired entry counts as expired");
        assertEquals(11, t.evictedInState(FlowState.TCP_SYN));
        evicted.clear();

        // New established flows then take the syn entries, the unconfirmed, closing and reset
        // ones, and last the established and UDP flows, idle longest first.
        long later = now + S;
        for (int i = 0; i < 12; i++) {
            assertNotEquals(FlowTable.FULL, insert(t, 200 + i, 200 + i, FlowState.TCP_ESTABLISHED, later + i * ms));
        }
        assertEquals(List.of(109, 110, 111, 6, 7, 4, 5, 2, 1, 11, 12, 3), evicted);
        assertEquals(14, t.evictedInState(FlowState.TCP_SYN));
        assertEquals(2, t.evictedInState(FlowState.TCP_UNCONFIRMED));
        assertEquals(1, t.evictedInState(FlowState.TCP_CLOSING));
        assertEquals(1, t.evictedInState(FlowState.TCP_RESET));
        assertEquals(3, t.evictedInState(FlowState.TCP_ESTABLISHED));
        assertEquals(2, t.evictedInState(FlowState.UDP));
        assertEquals(23, t.evictedCapacity(), "live evictions are capacity evictions, by state or not");
    }

    @Test
    void aFloodOfTenTimesTheCapacityLeavesIdleEstablishedFlowsAlone() {
        FlowTable t = new FlowTable(4096, T);
        long now = 0;
        for (int i = 0; i < 20; i++) {
            insert(t, i, i, FlowState.TCP_ESTABLISHED, now);
        }
        now += 80 * S;  // idle 80 of their 100 s: the stalest entries in the table by far
        Random random = new Random(11);
        for (int n = 0; n < 10 * 4096; n++) {
            FlowKey spoofed = new FlowKey().ipv4(0xC6130000 | random.nextInt(1 << 16), 0xC6120064,
                    1024 + random.nextInt(60_000), 80, 6);
            int state = n % 2 == 0 ? FlowState.TCP_SYN : FlowState.TCP_UNCONFIRMED;
            if (t.lookup(spoofed, now) == FlowTable.MISS) {
                assertNotEquals(FlowTable.FULL, t.insert(spoofed, 99, state, now));
            }
            now += 10_000;
        }
        for (int i = 0; i < 20; i++) {
            int slot = lookup(t, i, now);
            assertNotEquals(FlowTable.MISS, slot, "idle flow " + i + " kept");
            assertEquals(i, t.pairAt(slot));
        }
        assertEquals(0, t.evictedInState(FlowState.TCP_ESTABLISHED));
        assertTrue(t.evictedInState(FlowState.TCP_SYN) + t.evictedInState(FlowState.TCP_UNCONFIRMED) > 30_000,
                "the flood displaced itself");
    }

    @Test
    void aSegmentWithoutSynStartsUnconfirmedAndIsConfirmedByTheNextOne() {
        assertEquals(FlowState.TCP_UNCONFIRMED, FlowState.initialTcp(TcpSegment.ACK));
        assertEquals(FlowState.TCP_UNCONFIRMED, FlowState.initialTcp(TcpSegment.ACK | 0x08));
        assertEquals(FlowState.TCP_UNCONFIRMED, FlowState.initialTcp(TcpSegment.SYN | TcpSegment.ACK));
        assertEquals(FlowState.TCP_SYN, FlowState.initialTcp(TcpSegment.SYN));
        assertEquals(FlowState.TCP_CLOSING, FlowState.initialTcp(TcpSegment.ACK | TcpSegment.FIN));
        assertEquals(FlowState.TCP_RESET, FlowState.initialTcp(TcpSegment.RST));
        assertEquals(FlowState.TCP_ESTABLISHED, FlowState.next(FlowState.TCP_UNCONFIRMED, TcpSegment.ACK, false));

        FlowTable t = new FlowTable(1024, new FlowTimeouts(5 * S, 100 * S, 20 * S, 2 * S, 30 * S, 7 * S));
        insert(t, 1, 1, FlowState.TCP_UNCONFIRMED, 0);
        assertEquals(FlowTable.MISS, lookup(t, 1, 7 * S), "unconfirmed lives 7 s here");
        int slot = insert(t, 2, 1, FlowState.TCP_UNCONFIRMED, 0);
        assertEquals(1, t.activeFlows(1), "an unconfirmed flow counts as active");
        t.touch(slot, FlowState.next(FlowState.TCP_UNCONFIRMED, TcpSegment.ACK, false), 6 * S);
        assertNotEquals(FlowTable.MISS, lookup(t, 2, 100 * S), "confirmed: the established timeout applies");
    }

    @Test
    void theNewFlowRateLimitAdmitsItsRateWithABurstOfOneSecond() {
        FlowTable t = new FlowTable(1024, T, 16, 100);
        long now = 5 * S;
        int admitted = 0;
        for (int i = 0; i < 150; i++) {
            admitted += t.admit(now) ? 1 : 0;
        }
        assertEquals(100, admitted, "a second's worth at once");
        assertEquals(50, t.notInserted());
        assertTrue(!t.admit(now + 5 * S / 1000), "no credit 5 ms later");
        assertTrue(t.admit(now + 10 * S / 1000), "one flow's credit after 10 ms");
        admitted = 0;
        for (int ms = 11; ms <= 3010; ms++) {
            admitted += t.admit(now + ms * S / 1000) ? 1 : 0;
        }
        assertTrue(admitted >= 299 && admitted <= 301, "100 a second while saturated: " + admitted);
        FlowTable unlimited = new FlowTable(1024, T);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(unlimited.admit(now));
        }
        assertEquals(0, unlimited.notInserted());
    }
}
