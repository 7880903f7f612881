package dev.dispatcher.control.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dispatcher.control.ha.HeartbeatCodec.Rejection;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class HeartbeatCodecTest {
    private static final SharedKey KEY = SharedKey.of("  a shared secret of the pair\n");
    private static final Heartbeat BEAT = new Heartbeat(7, Heartbeat.Role.BACKUP, Heartbeat.State.STANDBY,
            1_764_000_000_000_123L, 2, 987_654_321L);

    private static byte[] encoded(Heartbeat h) {
        byte[] out = new byte[HeartbeatCodec.LENGTH];
        new HeartbeatCodec(KEY).encode(h, out);
        return out;
    }

    @Test
    void everyFieldSurvivesTheTrip() {
        for (Heartbeat.Role role : Heartbeat.Role.values()) {
            for (Heartbeat.State state : Heartbeat.State.values()) {
                Heartbeat h = new Heartbeat(255, role, state, Long.MAX_VALUE, 255, 0);
                assertEquals(h, new HeartbeatCodec(KEY).decode(encoded(h), HeartbeatCodec.LENGTH).heartbeat());
            }
        }
        assertEquals(BEAT, new HeartbeatCodec(KEY).decode(encoded(BEAT), HeartbeatCodec.LENGTH).heartbeat());
    }

    @Test
    void anotherKeyIsABadMac() {
        HeartbeatCodec other = new HeartbeatCodec(SharedKey.of("another secret, 16+ bytes"));
        HeartbeatCodec.Decoded d = other.decode(encoded(BEAT), HeartbeatCodec.LENGTH);
        assertNull(d.heartbeat());
        assertEquals(Rejection.BAD_MAC, d.rejection());
    }

    /** Any one bit flipped anywhere is refused, and never as an accepted heartbeat. */
    @Test
    void everyFlippedBitIsRefused() {
        HeartbeatCodec codec = new HeartbeatCodec(KEY);
        byte[] good = encoded(BEAT);
        for (int bit = 0; bit < HeartbeatCodec.LENGTH * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            HeartbeatCodec.Decoded d = codec.decode(bad, bad.length);
            assertFalse(d.accepted(), "bit " + bit);
            Rejection expected = bit / 8 < 5 ? Rejection.NOT_A_HEARTBEAT : Rejection.BAD_MAC;
            assertEquals(expected, d.rejection(), "bit " + bit);
        }
    }

    @Test
    void authenticFieldsOutOfRangeAreBadFields() {
        // Signed with the right key but carrying values no node sends: still not believed.
        HeartbeatCodec codec = new HeartbeatCodec(KEY);
        for (int[] poke : new int[][] {{5, 0}, {6, 9}, {7, 3}, {9, 1}, {11, 1}, {12, 0x80}, {20, 0x80}}) {
            byte[] m = encoded(BEAT);
            m[poke[0]] = (byte) poke[1];
            resign(m);
            assertEquals(Rejection.BAD_FIELD, codec.decode(m, m.length).rejection(), "byte " + poke[0]);
        }
    }

    private static void resign(byte[] m) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(KEY.bytes(), "HmacSHA256"));
            mac.update(m, 0, HeartbeatCodec.TAG_OFFSET);
            mac.doFinal(m, HeartbeatCodec.TAG_OFFSET);
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void wrongLengthsAndGarbageAreRefusedWithoutAnException() {
        HeartbeatCodec codec = new HeartbeatCodec(KEY);
        byte[] good = encoded(BEAT);
        assertEquals(Rejection.LENGTH, codec.decode(good, 59).rejection());
        assertEquals(Rejection.LENGTH, codec.decode(new byte[61], 61).rejection());
        assertEquals(Rejection.LENGTH, codec.decode(new byte[10], 60).rejection());
        Random random = new Random(9);
        byte[] junk = new byte[HeartbeatCodec.LENGTH];
        for (int i = 0; i < 20_000; i++) {
            random.nextBytes(junk);
            if (i % 2 == 0) {
                System.arraycopy(good, 0, junk, 0, 5);
            }
            assertFalse(codec.decode(junk, junk.length).accepted());
        }
    }

    @Test
    void encodeRefusesAShortBufferAndHeartbeatsRefuseImpossibleValues() {
        assertThrows(IllegalArgumentException.class, () -> new HeartbeatCodec(KEY).encode(BEAT, new byte[59]));
        assertThrows(IllegalArgumentException.class,
                () -> new Heartbeat(0, Heartbeat.Role.PRIMARY, Heartbeat.State.INIT, 1, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Heartbeat(256, Heartbeat.Role.PRIMARY, Heartbeat.State.INIT, 1, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Heartbeat(1, Heartbeat.Role.PRIMARY, Heartbeat.State.INIT, -1, 0, 0));
    }
}
