package dev.dispatcher.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte sizes as written in the configuration: a decimal integer of bytes, or an integer with a
 * binary unit {@code KiB}, {@code MiB} or {@code GiB}. Decimal units (MB) are refused on purpose:
 * kernel buffer sizes are powers of two and "16MB" would silently mean 16000000 here and
 * 16777216 to a reader.
 */
public final class ByteSizes {
    private static final Pattern SIZE = Pattern.compile("(0|[1-9][0-9]{0,17})(KiB|MiB|GiB)?");

    private ByteSizes() {
    }

    /**
     * Parses bytes or {@code <integer>KiB|MiB|GiB}.
     *
     * @throws IllegalArgumentException when the text is not such a size
     */
    public static long parse(String text) {
        Matcher matcher = SIZE.matcher(text);
        if (!matcher.matches()) {
            throw new IllegalArgumentException("expected bytes, or an integer with unit KiB, MiB or GiB");
        }
        long amount = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2);
        int shift = unit == null ? 0 : switch (unit) {
            case "KiB" -> 10;
            case "MiB" -> 20;
            default -> 30;
        };
        if (amount > Long.MAX_VALUE >> shift) {
            throw new IllegalArgumentException("the size does not fit 64 bits");
        }
        return amount << shift;
    }

    /** Formats with the largest binary unit that keeps the value exact ({@code 16MiB}). */
    public static String format(long bytes) {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "KiB";
        }
        return Long.toString(bytes);
    }
}
