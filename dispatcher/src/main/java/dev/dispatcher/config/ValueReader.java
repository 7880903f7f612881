package dev.dispatcher.config;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Reads typed values from YAML nodes. Each method returns the value, or null after reporting
 * "must be EXPECTED, found FOUND" at the node; the caller only has to stop building.
 */
final class ValueReader {
    /** Long values are cut in messages so one bad line cannot flood the terminal. */
    private static final int MAX_SHOWN = 60;
    /**
     * Decimal, no sign, no leading zero: YAML 1.1 readers take 010 for octal 8, and no value of
     * ours is negative, so "-0" is a typo, not a zero.
     */
    private static final Pattern INTEGER = Pattern.compile("0|[1-9][0-9]{0,17}");
    /** The one host name a listen address may use. */
    static final String LOCALHOST = "localhost";

    /** A listen address: {@code host} is an IPv4 literal or {@link #LOCALHOST}. */
    record HostPort(String host, int port) {
    }

    private final Problems problems;

    ValueReader(Problems problems) {
        this.problems = problems;
    }

    /** How a node looks to a person, for "found ...". */
    static String found(Node node) {
        return switch (node) {
            case MappingNode mapping -> mapping.getValue().isEmpty() ? "an empty mapping" : "a mapping";
            case SequenceNode sequence -> sequence.getValue().isEmpty() ? "an empty list" : "a list";
            case ScalarNode scalar when isNull(scalar) && scalar.getValue().isEmpty() -> "no value";
            case ScalarNode scalar when isNull(scalar) -> quote(scalar.getValue()) + " (YAML null)";
            case ScalarNode scalar -> quote(scalar.getValue());
            default -> "a " + node.getNodeType();
        };
    }

    /** Plain {@code ~}, {@code null} or nothing (YAML 1.2 core schema); quoted text is never null. */
    static boolean isNull(Node node) {
        return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
    }

    /** A value as it appears in a message: quoted, escaped, cut to a readable length. */
    static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        text.codePoints().limit(MAX_SHOWN).forEach(c -> {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\t' -> quoted.append("\\t");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                default -> {
                    if (Character.isISOControl(c) || Character.getType(c) == Character.SURROGATE) {
                        quoted.append(String.format("\\u%04X", c));
                    } else {
                        quoted.appendCodePoint(c);
                    }
                }
            }
        });
        if (text.codePointCount(0, text.length()) > MAX_SHOWN) {
            quoted.append("...");
        }
        return quoted.append('"').toString();
    }

    void mismatch(Node node, String path, String expected) {
        problems.report(node, path, "must be " + expected + ", found " + found(node));
    }

    /**
     * The text of a non-null scalar. A "\\uD800" escape gives a lone surrogate, which is no
     * character: nothing could match it, and no YAML emitter writes it back faithfully.
     */
    String text(Node node, String path, String expected) {
        if (node instanceof ScalarNode scalar && !isNull(scalar)) {
            if (hasLoneSurrogate(scalar.getValue())) {
                problems.report(node, path, "must be " + expected + ", found " + quote(scalar.getValue())
                        + " (a lone surrogate is not a character)");
                return null;
            }
            return scalar.getValue();
        }
        mismatch(node, path, expected);
        return null;
    }

    /** Whether {@code text} holds a UTF-16 surrogate that is not half of a pair. */
    static boolean hasLoneSurrogate(String text) {
        return text.codePoints().anyMatch(c -> Character.getType(c) == Character.SURROGATE);
    }

    /** The elements of a non-empty list. */
    List<Node> list(Node node, String path, String elements) {
        if (node instanceof SequenceNode sequence && !sequence.getValue().isEmpty()) {
            return sequence.getValue();
        }
        mismatch(node, path, "a non-empty list of " + elements);
        return null;
    }

    Integer integer(Node node, String path, int min, int max) {
        return integer(node, path, min, max, "an integer from " + min + " to " + max);
    }

    /** A limit that can be switched off: {@code off} (0) or an integer from 1 to {@code max}. */
    Integer limitOrOff(Node node, String path, int max) {
        String expected = "off or an integer from 1 to " + max;
        String text = text(node, path, expected);
        if ("off".equals(text)) {
            return 0;
        }
        return text == null ? null : integer(node, path, 1, max, expected);
    }

    /** Maglev table sizes: a prime keeps every server's preference list a permutation of the slots. */
    Integer prime(Node node, String path, int min, int max) {
        String expected = "a prime number from " + min + " to " + max + " (such as 65537)";
        Integer value = integer(node, path, min, max, expected);
        if (value != null && !isPrime(value)) {
            mismatch(node, path, expected);
            return null;
        }
        return value;
    }

    private static boolean isPrime(int n) {
        if (n < 2 || (n % 2 == 0 && n != 2)) {
            return false;
        }
        for (int d = 3; (long) d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    /** {@code true} or {@code false}, nothing else: YAML 1.1 read yes, on and y as true. */
    Boolean bool(Node node, String path) {
        String text = text(node, path, "true or false");
        if (text == null) {
            return null;
        }
        if (text.equals("true") || text.equals("false")) {
            return Boolean.valueOf(text);
        }
        mismatch(node, path, "true or false");
        return null;
    }

    /** Ring sizes: a power of two lets a sequence number pick its slot with a mask. */
    Integer powerOfTwo(Node node, String path, int min, int max) {
        Integer value = integer(node, path, min, max, "a power of two from " + min + " to " + max);
        if (value != null && Integer.bitCount(value) != 1) {
            mismatch(node, path, "a power of two from " + min + " to " + max);
            return null;
        }
        return value;
    }

    private Integer integer(Node node, String path, int min, int max, String expected) {
        String text = text(node, path, expected);
        if (text == null) {
            return null;
        }
        if (INTEGER.matcher(text).matches()) {
            long value = Long.parseLong(text);
            if (value >= min && value <= max) {
                return (int) value;
            }
        }
        mismatch(node, path, expected);
        return null;
    }

    Duration duration(Node node, String path, Duration min, Duration max) {
        // Microseconds only where the range goes below a millisecond: every other duration is used
        // in whole milliseconds (poll timeouts, the kernel's block timeout, probe timeouts), and
        // 1500us there would silently become 1ms.
        boolean micros = min.compareTo(Duration.ofMillis(1)) < 0;
        String expected = "a duration from " + Durations.format(min) + " to " + Durations.format(max)
                + (micros ? " (an integer with unit us, ms, s, m or h)" : " (an integer with unit ms, s, m or h)");
        String text = text(node, path, expected);
        if (text == null) {
            return null;
        }
        try {
            Duration value = Durations.parse(text);
            boolean exact = micros || value.getNano() % 1_000_000 == 0;
            if (exact && value.compareTo(min) >= 0 && value.compareTo(max) <= 0) {
                return value;
            }
        } catch (IllegalArgumentException notADuration) {
            // reported below with the expected form
        }
        mismatch(node, path, expected);
        return null;
    }

    Integer byteSize(Node node, String path, int min, int max) {
        String expected = "a size from " + ByteSizes.format(min) + " to " + ByteSizes.format(max)
                + " (bytes, or an integer with unit KiB, MiB or GiB)";
        String text = text(node, path, expected);
        if (text == null) {
            return null;
        }
        try {
            long value = ByteSizes.parse(text);
            if (value >= min && value <= max) {
                return (int) value;
            }
        } catch (IllegalArgumentException notASize) {
            // reported below with the expected form
        }
        mismatch(node, path, expected);
        return null;
    }

    /** A unicast IPv4 address: VIPs and real servers are single hosts. */
    Integer unicastIpv4(Node node, String path) {
        String text = text(node, path, "an IPv4 address in dotted-quad form");
        if (text == null) {
            return null;
        }
        int address;
        try {
            address = Ipv4.parse(text);
        } catch (IllegalArgumentException e) {
            problems.report(node, path, "must be an IPv4 address in dotted-quad form, found " + quote(text)
                    + " (" + e.getMessage() + ")");
            return null;
        }
        Optional<String> why = Ipv4.whyNotUnicast(address);
        if (why.isPresent()) {
            problems.report(node, path,
                    "must be a unicast IPv4 address, found " + quote(text) + " (" + why.get() + ")");
            return null;
        }
        return address;
    }

    /** A static MAC: frames are sent to it, so it must name one station. */
    Long unicastMac(Node node, String path) {
        String expected = "a MAC address like 02:00:00:00:00:11";
        String text = text(node, path, expected);
        if (text == null) {
            return null;
        }
        long mac;
        try {
            mac = MacAddress.parse(text);
        } catch (IllegalArgumentException e) {
            mismatch(node, path, expected);
            return null;
        }
        if (mac == 0) {
            problems.report(node, path, "must be a unicast MAC address, found " + quote(text) + " (all zeros)");
            return null;
        }
        if (MacAddress.isMulticast(mac)) {
            problems.report(node, path, "must be a unicast MAC address, found " + quote(text)
                    + " (the group bit of the first octet is set: multicast)");
            return null;
        }
        return mac;
    }

    /** One of an enum's config names, exactly as documented (lower case). */
    <E extends Enum<E>> E choice(Node node, String path, E[] constants) {
        List<String> names = new ArrayList<>();
        for (E constant : constants) {
            names.add(ConfigNames.of(constant));
        }
        String name = word(node, path, names);
        return name == null ? null : constants[names.indexOf(name)];
    }

    /** One of {@code words}, exactly; a near miss in any case gets a suggestion. */
    String word(Node node, String path, List<String> words) {
        String expected = orList(words);
        String text = text(node, path, expected);
        if (text == null) {
            return null;
        }
        if (words.contains(text)) {
            return text;
        }
        String suggestion = Suggestions.closest(text, words).map(word -> "; did you mean \"" + word + "\"?").orElse("");
        problems.report(node, path, "must be " + expected + ", found " + quote(text) + suggestion);
        return null;
    }

    /**
     * An absolute file name. Relative names are refused: the dispatcher runs as a service, and
     * its working directory is nobody's decision.
     */
    String absolutePath(Node node, String path, String expected) {
        String text = text(node, path, expected);
        if (text == null) {
            return null;
        }
        if (!text.startsWith("/") || text.indexOf('\0') >= 0) {
            mismatch(node, path, expected);
            return null;
        }
        return text;
    }

    /**
     * {@code HOST:PORT} for a socket this process listens on. The address may be 0.0.0.0 (every
     * interface) or loopback, unlike a VIP; it may not be a group or the broadcast address, which
     * no TCP socket can listen on. Host names other than {@code localhost} are refused: a listener
     * should not depend on DNS at start.
     */
    HostPort hostPort(Node node, String path) {
        String expected = "HOST:PORT with an IPv4 address or localhost and a port from " + PortConfig.MIN_PORT
                + " to " + PortConfig.MAX_PORT;
        String text = text(node, path, expected);
        if (text == null) {
            return null;
        }
        String why = null;
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? text : text.substring(0, colon);
        String port = colon < 0 ? "" : text.substring(colon + 1);
        if (colon < 0) {
            why = "no port";
        } else if (!host.equals(LOCALHOST)) {
            why = whyNotListenAddress(host);
        }
        long portNumber = 0;
        if (why == null) {
            if (port.isEmpty()) {
                why = "no port";
            } else if (!INTEGER.matcher(port).matches()) {
                why = "the port is not a decimal integer";
            } else {
                portNumber = Long.parseLong(port);
                if (portNumber < PortConfig.MIN_PORT || portNumber > PortConfig.MAX_PORT) {
                    why = "port " + port + " is out of range";
                }
            }
        }
        if (why != null) {
            problems.report(node, path, "must be " + expected + ", found " + quote(text) + " (" + why + ")");
            return null;
        }
        return new HostPort(host, (int) portNumber);
    }

    private static String whyNotListenAddress(String host) {
        if (host.isEmpty()) {
            return "no address";
        }
        if (host.codePoints().anyMatch(Character::isLetter)) {
            return "a host name other than localhost";
        }
        int address;
        try {
            address = Ipv4.parse(host);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if ((address >>> 28) == 0xE) {
            return "multicast, 224.0.0.0/4";
        }
        if (address == -1) {
            return "the limited broadcast address";
        }
        return null;
    }

    /**
     * A Linux interface name as the kernel's dev_valid_name() accepts it: at most 15 bytes, no
     * '/', ':' (alias syntax) or whitespace, not "." or "..".
     */
    String interfaceName(Node node, String path) {
        String expected = "a network interface name (1 to 15 bytes, no \"/\", \":\" or whitespace)";
        String text = text(node, path, expected);
        if (text == null) {
            return null;
        }
        String why = null;
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (text.isEmpty()) {
            why = "empty";
        } else if (bytes > DispatcherConfig.MAX_INTERFACE_NAME_BYTES) {
            why = bytes + " bytes";
        } else if (text.indexOf('/') >= 0) {
            why = "contains \"/\"";
        } else if (text.indexOf(':') >= 0) {
            why = "contains \":\"";
        } else if (text.codePoints().anyMatch(Character::isWhitespace)) {
            why = "contains whitespace";
        } else if (text.equals(".") || text.equals("..")) {
            why = "reserved name";
        }
        if (why != null) {
            problems.report(node, path, "must be " + expected + ", found " + quote(text) + " (" + why + ")");
            return null;
        }
        return text;
    }

    /** "a", "a or b", "a, b or c". */
    static String orList(List<String> words) {
        if (words.size() == 1) {
            return words.getFirst();
        }
        return String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.getLast();
    }
}
