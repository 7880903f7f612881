package dev.dispatcher.control.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dispatcher.config.HaRole;
import dev.dispatcher.control.ha.HeartbeatCodec.Rejection;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's rule for hostile heartbeats: a bad MAC, a replayed one and one from a third node are
 * refused and counted, and none of them changes what the receiver believes.
 */
class HeartbeatReceiverTest {
    private static final SharedKey KEY = SharedKey.of("the pair's shared secret");
    private static final long T0 = HeartbeatCodec.firstSequence(1_764_000_000_000_000L);

    private static byte[] from(int node, long sequence, SharedKey key) {
        byte[] out = new byte[HeartbeatCodec.LENGTH];
        new HeartbeatCodec(key).encode(new Heartbeat(node, HaRole.PRIMARY, Heartbeat.State.ACTIVE,
                sequence, 1, 42), out);
        return out;
    }

    @Test
    void onlyTheAuthenticNewHeartbeatsOfThePartnerAreBelieved() {
        HeartbeatReceiver r = new HeartbeatReceiver(new HeartbeatCodec(KEY), 2, 1);
        byte[] first = from(1, T0, KEY);
        Heartbeat believed = r.receive(first, first.length);
        assertEquals(1, believed.nodeId());
        assertSame(believed, r.last());

        assertNull(r.receive(first, first.length), "the same datagram again");
        byte[] forged = from(1, T0 + 1, SharedKey.of("not the pair's secret at all"));
        assertNull(r.receive(forged, forged.length));
        byte[] third = from(3, T0 + 2, KEY);
        assertNull(r.receive(third, third.length), "a third node with the right key");
        byte[] self = from(2, T0 + 3, KEY);
        assertNull(r.receive(self, self.length), "our own heartbeat reflected back");
        byte[] truncated = from(1, T0 + 4, KEY);
        assertNull(r.receive(truncated, 40));

        assertEquals(1, r.rejected(Rejection.REPLAYED));
        assertEquals(1, r.rejected(Rejection.BAD_MAC));
        assertEquals(2, r.rejected(Rejection.UNKNOWN_NODE));
        assertEquals(1, r.rejected(Rejection.LENGTH));
        assertEquals(1, r.accepted());
        assertSame(believed, r.last(), "no refused message changed what is believed");

        byte[] next = from(1, T0 + 1, KEY);
        assertEquals(T0 + 1, r.receive(next, next.length).sequence(),
                "the forged T0+1 did not use up the number: the window moves only on authentic messages");
        assertEquals(2, r.accepted());
    }

    /**
     * A partner that restarts numbers its heartbeats from its new start time: above everything it
     * sent in a day before, so the receiver, whose window still holds the old numbers, believes
     * it at once.
     */
    @Test
    void aRestartedPartnerIsBelievedAtOnce() {
        HeartbeatReceiver r = new HeartbeatReceiver(new HeartbeatCodec(KEY), 2, 1);
        long sentFor = 86_400_000_000L;
        long lastBeforeRestart = T0 + sentFor / 200_000;   // one heartbeat every 200 ms
        for (long s = lastBeforeRestart - 10; s <= lastBeforeRestart; s++) {
            byte[] m = from(1, s, KEY);
            assertEquals(s, r.receive(m, m.length).sequence());
        }
        long restartedAt = 1_764_000_000_000_000L + sentFor + 3_000_000L;
        byte[] fresh = from(1, HeartbeatCodec.firstSequence(restartedAt), KEY);
        assertEquals(HeartbeatCodec.firstSequence(restartedAt), r.receive(fresh, fresh.length).sequence());
        assertEquals(0, r.rejected(Rejection.REPLAYED));
    }

    @Test
    void aNodeCannotBeItsOwnPartner() {
        assertThrows(IllegalArgumentException.class, () -> new HeartbeatReceiver(new HeartbeatCodec(KEY), 4, 4));
    }
}
