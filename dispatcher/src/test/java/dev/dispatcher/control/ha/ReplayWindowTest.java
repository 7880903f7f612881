package dev.dispatcher.control.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {
    @Test
    void newNumbersPassOnceAndOldOnesNever() {
        ReplayWindow w = new ReplayWindow();
        assertTrue(w.accept(1000));
        assertFalse(w.accept(1000), "a duplicate");
        assertTrue(w.accept(1002), "a gap is fine");
        assertTrue(w.accept(1001), "late but inside the window");
        assertFalse(w.accept(1001), "late and seen");
        assertTrue(w.accept(1002 + 63 - 1), "moves the window");
        assertFalse(w.isNew(1000), "1000 is now 63 below the highest and was seen");
        assertTrue(w.accept(2000));
        assertFalse(w.accept(2000 - ReplayWindow.SIZE), "below the window: too old to tell");
        assertTrue(w.accept(2000 - ReplayWindow.SIZE + 1), "the window's oldest slot, never seen");
        assertFalse(w.accept(-1));
        assertEquals(2000, w.highest());
    }

    @Test
    void isNewNeverChangesTheWindow() {
        ReplayWindow w = new ReplayWindow();
        assertTrue(w.isNew(5));
        assertTrue(w.isNew(5));
        assertEquals(-1, w.highest());
    }

    /** Against a set of everything accepted, for shuffled and repeated numbers. */
    @Test
    void agreesWithTheDefinitionOnShuffledTraffic() {
        Random random = new Random(3);
        ReplayWindow w = new ReplayWindow();
        Set<Long> accepted = new HashSet<>();
        long highest = -1;
        long base = 1_700_000_000_000_000L;
        for (int i = 0; i < 100_000; i++) {
            long s = base + i / 4 + random.nextInt(100) - 50;
            boolean expected = s >= 0 && !accepted.contains(s) && (s > highest || highest - s < ReplayWindow.SIZE);
            assertEquals(expected, w.accept(s), "sequence " + s + " at step " + i);
            if (expected) {
                accepted.add(s);
                highest = Math.max(highest, s);
            }
        }
    }
}
