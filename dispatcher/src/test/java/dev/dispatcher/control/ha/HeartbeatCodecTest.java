package dev.dispatcher.control.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.dispatcher.config.HaRole;
import dev.dispatcher.control.ha.HeartbeatCodec.Rejection;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class HeartbeatCodecTest {
    private static final SharedKey KEY = SharedKey.of("  a shared secret of the pair\n");
    private static final Heartbeat BEAT = new Heartbeat(7, HaRole.BACKUP, Heartbeat.State.STANDBY,
            1_764_000_000_000_123L, 2, 987_654_321L, 0b10, 0b01, 0x02_00_00_00_00_0AL);

    private static byte[] encoded(Heartbeat h) {
        byte[] out = new byte[HeartbeatCodec.LENGTH];
        new HeartbeatCodec(KEY).encode(h, out);
        return out;
    }

    @Test
    void everyFieldSurvivesTheTrip() {
        for (HaRole role : HaRole.values()) {
            for (Heartbeat.State state : Heartbeat.State.values()) {
                Heartbeat h = new Heartbeat(255, role, state, Long.MAX_VALUE, 255, 0, 0b11, 0b11, 0xFFFF_FFFF_FFFFL);
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
        for (int[] poke : new int[][] {{5, 0}, {6, 9}, {7, 4}, {9, 4}, {10, 0x80}, {11, 1},
                {12, 0x80}, {20, 0x80}, {34, 1}, {35, 1}}) {
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
        assertEquals(Rejection.LENGTH, codec.decode(good, HeartbeatCodec.LENGTH - 1).rejection());
        assertEquals(Rejection.LENGTH, codec.decode(new byte[69], 69).rejection());
        assertEquals(Rejection.LENGTH, codec.decode(new byte[10], HeartbeatCodec.LENGTH).rejection());
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
        assertThrows(IllegalArgumentException.class, () -> new HeartbeatCodec(KEY).encode(BEAT, new byte[67]));
        assertThrows(IllegalArgumentException.class,
                () -> new Heartbeat(0, HaRole.PRIMARY, Heartbeat.State.INIT, 1, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Heartbeat(256, HaRole.PRIMARY, Heartbeat.State.INIT, 1, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Heartbeat(1, HaRole.PRIMARY, Heartbeat.State.INIT, -1, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Heartbeat(1, HaRole.PRIMARY, Heartbeat.State.INIT, 1, 0, 0, 4, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Heartbeat(1, HaRole.PRIMARY, Heartbeat.State.INIT, 1, 0, 0, 0, 0, 1L << 48));
    }
}
