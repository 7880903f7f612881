package dev.dispatcher.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as written in the configuration: a positive decimal integer and one unit, {@code us},
 * {@code ms}, {@code s}, {@code m} or {@code h} ({@code 50us}, {@code 250ms}, {@code 30s},
 * {@code 15m}). One unit and no fractions keep every value exact and readable; ISO-8601
 * ({@code PT15M}) is not accepted.
 */
public final class Durations {
    /** At most nine digits: 999999999h still fits a Duration; ranges are checked by the caller. */
    private static final Pattern DURATION = Pattern.compile("(0|[1-9][0-9]{0,8})(us|ms|s|m|h)");

    private Durations() {
    }

    /**
     * Parses {@code <integer><unit>}.
     *
     * @throws IllegalArgumentException when the text is not a positive integer with one unit
     */
    public static Duration parse(String text) {
        Matcher matcher = DURATION.matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("expected a positive integer with unit us, ms, s, m or h");
        }
        long amount = Long.parseLong(matcher.group(1));
        if (amount == 0) {
            throw new IllegalArgumentException("a duration must be positive");
        }
        return switch (matcher.group(2)) {
            case "us" -> Duration.ofNanos(amount * 1_000);
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /**
     * Formats with the largest unit that keeps the value exact ({@code 90s}, {@code 15m}), so
     * a value prints the way a person would write it. Sub-microsecond values fall back to ISO-8601.
     */
    public static String format(Duration duration) {
        if (duration.getNano() % 1_000 != 0 || duration.getSeconds() > Long.MAX_VALUE / 1_000_000_000L) {
            return duration.toString();
        }
        if (duration.getNano() % 1_000_000 != 0) {
            return duration.toNanos() / 1_000 + "us";
        }
        long millis = duration.toMillis();
        if (millis != 0 && millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis != 0 && millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1_000 == 0) {
            return millis / 1_000 + "s";
        }
        return millis + "ms";
    }
}
