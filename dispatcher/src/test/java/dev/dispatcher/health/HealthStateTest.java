package dev.dispatcher.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HealthStateTest {

    private static HealthState down(int rise, int fall) {
        HealthState state = new HealthState(rise, fall);
        for (int i = 0; i < fall; i++) {
            state.record(false);
        }
        assertFalse(state.up());
        return state;
    }

    @Test
    void startsUpWithNothingCounted() {
        HealthState state = new HealthState(2, 3);
        assertTrue(state.up());
        assertEquals(0, state.consecutiveSuccesses());
        assertEquals(0, state.consecutiveFailures());
        assertEquals(0, state.totalProbes());
        assertEquals(0, state.totalFailures());
    }

    @Test
    void successesWhileUpAreNoTransition() {
        HealthState state = new HealthState(2, 3);
        for (int i = 0; i < 10; i++) {
            assertFalse(state.record(true));
        }
        assertTrue(state.up());
        assertEquals(10, state.consecutiveSuccesses());
    }

    @Test
    void goesDownOnTheFallthFailureExactly() {
        HealthState state = new HealthState(2, 3);
        assertFalse(state.record(false));
        assertFalse(state.record(false));
        assertTrue(state.up());
        assertTrue(state.record(false), "third failure is the transition");
        assertFalse(state.up());
        assertFalse(state.record(false), "further failures are not transitions");
        assertEquals(4, state.consecutiveFailures());
        assertEquals(4, state.totalFailures());
    }

    @Test
    void comesUpOnTheRisethSuccessExactly() {
        HealthState state = down(2, 3);
        assertFalse(state.record(true));
        assertFalse(state.up());
        assertTrue(state.record(true));
        assertTrue(state.up());
        assertFalse(state.record(true));
    }

    @Test
    void aSuccessResetsTheFailureRun() {
        HealthState state = new HealthState(2, 3);
        state.record(false);
        state.record(false);
        state.record(true);
        assertEquals(0, state.consecutiveFailures());
        state.record(false);
        assertFalse(state.record(false));
        assertTrue(state.up(), "two failures since the success are fewer than fall");
        assertTrue(state.record(false));
    }

    @Test
    void aFailureResetsTheSuccessRun() {
        HealthState state = down(3, 1);
        state.record(true);
        state.record(true);
        state.record(false);
        assertEquals(0, state.consecutiveSuccesses());
        state.record(true);
        assertFalse(state.record(true));
        assertFalse(state.up());
        assertTrue(state.record(true));
    }

    @Test
    void riseAndFallOfOneFollowEveryResult() {
        HealthState state = new HealthState(1, 1);
        assertTrue(state.record(false));
        assertFalse(state.up());
        assertTrue(state.record(true));
        assertTrue(state.up());
        assertFalse(state.record(true));
    }

    @ParameterizedTest(name = "rise {0} fall {1}")
    @CsvSource({"2,2", "2,3", "3,2", "5,5", "2,10"})
    void alternatingResultsNeverFlap(int rise, int fall) {
        HealthState up = new HealthState(rise, fall);
        HealthState down = down(rise, fall);
        for (int i = 0; i < 1000; i++) {
            boolean success = i % 2 == 0;
            assertFalse(up.record(success), "up flapped at " + i);
            assertFalse(down.record(!success), "down flapped at " + i);
        }
        assertTrue(up.up());
        assertFalse(down.up());
        assertEquals(500, up.totalFailures());
    }

    /**
     * Every sequence of up to 12 results, for rise and fall 1..4, against a reference stated
     * without counters: an up target goes down when the last {@code fall} results all failed, a
     * down target comes up when the last {@code rise} all succeeded.
     */
    @Test
    void everyShortSequenceMatchesTheDefinition() {
        int cases = 0;
        for (int rise = 1; rise <= 4; rise++) {
            for (int fall = 1; fall <= 4; fall++) {
                for (int length = 0; length <= 12; length++) {
                    for (int bits = 0; bits < 1 << length; bits++) {
                        check(rise, fall, length, bits);
                        cases++;
                    }
                }
            }
        }
        assertEquals(16 * ((1 << 13) - 1), cases);
    }

    private static void check(int rise, int fall, int length, int bits) {
        HealthState state = new HealthState(rise, fall);
        boolean[] results = new boolean[length];
        boolean expectedUp = true;
        int failures = 0;
        for (int i = 0; i < length; i++) {
            results[i] = (bits >>> i & 1) == 1;
            failures += results[i] ? 0 : 1;
            boolean before = expectedUp;
            expectedUp = expectedUp ? !lastAre(results, i, fall, false) : lastAre(results, i, rise, true);
            boolean transition = state.record(results[i]);
            String where = "rise " + rise + " fall " + fall + " sequence " + Integer.toBinaryString(bits) + " at " + i;
            assertEquals(expectedUp, state.up(), where);
            assertEquals(before != expectedUp, transition, where);
        }
        assertEquals(length, state.totalProbes());
        assertEquals(failures, state.totalFailures());
    }

    private static boolean lastAre(boolean[] results, int end, int count, boolean value) {
        if (end + 1 < count) {
            return false;
        }
        for (int i = end - count + 1; i <= end; i++) {
            if (results[i] != value) {
                return false;
            }
        }
        return true;
    }

    @Test
    void newThresholdsKeepTheVerdictAndRuns() {
        HealthState state = down(3, 2);
        state.record(true);
        state.record(true);
        state.thresholds(2, 2);
        assertFalse(state.up());
        assertEquals(2, state.consecutiveSuccesses());
        assertTrue(state.record(true), "the next result is judged by the new rise");
        assertEquals(2, state.rise());
    }

    @Test
    void refusesCountsBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> new HealthState(0, 3));
        assertThrows(IllegalArgumentException.class, () -> new HealthState(2, 0));
    }
}
