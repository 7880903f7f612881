package dev.dispatcher.control.ha;

/**
 * The anti-replay window of one sender, as IPsec keeps it (RFC 4303 section 3.4.3): the highest
 * sequence number accepted so far and a bitmap of the 64 below it. A number above the highest is
 * new; one within the window is new once; one below the window is too old to tell and refused.
 * So a captured heartbeat replayed later, or a duplicate, never counts as a sign of life, while
 * UDP's reordering of a few messages costs nothing.
 *
 * <p>Call {@link #accept} only after the message was authenticated: a forged number must not
 * move the window (it would use up the real message's number).
 */
public final class ReplayWindow {
    /** How many numbers below the highest the window remembers. */
    public static final int SIZE = 64;

    private long highest = -1;
    private long seen;

    /** True when {@code sequence} has not been accepted and is not below the window. */
    public boolean isNew(long sequence) {
        if (sequence < 0) {
            return false;
        }
        if (sequence > highest) {
            return true;
        }
        long behind = highest - sequence;
        return behind < SIZE && (seen & (1L << behind)) == 0;
    }

    /** Records an authenticated {@code sequence}; false (and nothing changed) when it is not new. */
    public boolean accept(long sequence) {
        if (!isNew(sequence)) {
            return false;
        }
        if (sequence > highest) {
            long ahead = highest < 0 ? SIZE : sequence - highest;
            seen = ahead >= SIZE ? 1L : (seen << ahead) | 1L;
            highest = sequence;
        } else {
            seen |= 1L << (highest - sequence);
        }
        return true;
    }

    /** The highest sequence number accepted, or -1 before the first. */
    public long highest() {
        return highest;
    }
}
