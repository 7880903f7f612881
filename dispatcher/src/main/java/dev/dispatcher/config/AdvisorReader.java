package dev.dispatcher.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Reads a port's {@code advisor}. Which keys apply depends on {@code type}: the HTTP keys only to
 * http and https, {@code command} only to script (and is required there), {@code connect-timeout}
 * not to script, which connects to nothing. A key that does not apply is an error at the key, and
 * its value is not read, so one mistake makes one error. When {@code type} itself is missing or
 * invalid (reported), every present key is read and none is judged out of place.
 */
final class AdvisorReader {
    static final List<String> ADVISOR_KEYS = List.of("type", "port", "method", "host", "path", "expect-status",
            "body-contains", "command", "interval", "timeout", "connect-timeout", "receive-timeout", "rise", "fall");

    private static final Set<AdvisorType> HTTP_TYPES = EnumSet.of(AdvisorType.HTTP, AdvisorType.HTTPS);
    private static final Set<AdvisorType> SCRIPT_TYPES = EnumSet.of(AdvisorType.SCRIPT);
    private static final Set<AdvisorType> CONNECTING_TYPES = EnumSet.of(AdvisorType.TCP, AdvisorType.HTTP,
            AdvisorType.HTTPS);

    /**
     * The origin form of a request target (RFC 9112 section 3.2.1) as it goes on the request line:
     * visible ASCII, no spaces, no fragment ({@code #} is never sent). Anything else must be
     * percent-encoded by whoever writes the file, so the probe sends exactly what is written.
     */
    private static final Pattern REQUEST_PATH = Pattern.compile("/[\\x21-\\x7E&&[^#]]*");
    /** {@code uri-host [":" port]} (RFC 9110 section 7.2): a name, an IPv4 or a bracketed IPv6 address. */
    private static final Pattern HOST_HEADER = Pattern.compile(
            "(?:[A-Za-z0-9._~-]+|\\[[0-9A-Fa-f:.]+])(?::[0-9]{1,5})?");
    /** DNS names are at most 253 characters; a port adds 6. */
    private static final int MAX_HOST_HEADER = 259;

    private final Problems problems;
    private final ValueReader values;

    AdvisorReader(Problems problems, ValueReader values) {
        this.problems = problems;
        this.values = values;
    }

    /** The advisor, or null when anything in it was invalid (reported). */
    AdvisorConfig read(Node node, String path) {
        MappingReader m = MappingReader.open(node, path, ADVISOR_KEYS, problems);
        if (m == null) {
            return null;
        }
        AdvisorType type = m.required("type", (n, p) -> values.choice(n, p, AdvisorType.values()));
        Integer port = m.optional("port", 0, this::probePort);
        String method = only(m, type, "method", HTTP_TYPES, AdvisorConfig.DEFAULT_METHOD,
                (n, p) -> values.word(n, p, AdvisorConfig.METHODS));
        String host = only(m, type, "host", HTTP_TYPES, "", this::hostHeader);
        String requestPath = only(m, type, "path", HTTP_TYPES, AdvisorConfig.DEFAULT_PATH, this::requestPath);
        List<Integer> expectStatus = only(m, type, "expect-status", HTTP_TYPES, AdvisorConfig.DEFAULT_EXPECT_STATUS,
                this::statusCodes);
        String bodyContains = only(m, type, "body-contains", HTTP_TYPES, "", this::bodyText);
        if ("HEAD".equals(method) && bodyContains != null && !bodyContains.isEmpty()) {
            // Every probe would fail, and every server would go down with a correct configuration.
            problems.report(m.site("body-contains"), "cannot be checked with method HEAD (a response to HEAD has"
                    + " no body); use GET, or leave body-contains out");
            bodyContains = null;
        }
        List<String> command = only(m, type, "command", SCRIPT_TYPES, List.of(), this::command);
        if (type == AdvisorType.SCRIPT && m.get("command") == null) {
            problems.report(node, m.path("command"), "required key is missing: a script advisor runs this command");
        }
        Duration interval = m.optional("interval", AdvisorConfig.DEFAULT_INTERVAL,
                durations(AdvisorConfig.MIN_INTERVAL, AdvisorConfig.MAX_INTERVAL));
        // timeout sets both bounds, so it must fit the narrower range (connect-timeout's).
        Duration timeout = m.optional("timeout", AdvisorConfig.DEFAULT_TIMEOUT,
                durations(AdvisorConfig.MIN_CONNECT_TIMEOUT, AdvisorConfig.MAX_CONNECT_TIMEOUT));
        Duration connectTimeout = only(m, type, "connect-timeout", CONNECTING_TYPES, timeout,
                durations(AdvisorConfig.MIN_CONNECT_TIMEOUT, AdvisorConfig.MAX_CONNECT_TIMEOUT));
        Duration receiveTimeout = m.optional("receive-timeout", timeout,
                durations(AdvisorConfig.MIN_RECEIVE_TIMEOUT, AdvisorConfig.MAX_RECEIVE_TIMEOUT));
        Integer rise = m.optional("rise", AdvisorConfig.DEFAULT_RISE,
                (n, p) -> values.integer(n, p, AdvisorConfig.MIN_RISE, AdvisorConfig.MAX_RISE));
        Integer fall = m.optional("fall", AdvisorConfig.DEFAULT_FALL,
                (n, p) -> values.integer(n, p, AdvisorConfig.MIN_FALL, AdvisorConfig.MAX_FALL));
        if (type == null || port == null || method == null || host == null || requestPath == null
                || expectStatus == null || bodyContains == null || command == null || interval == null
                || connectTimeout == null || receiveTimeout == null || rise == null || fall == null) {
            return null;
        }
        return new AdvisorConfig(type, port, method, host, requestPath, expectStatus, bodyContains, command,
                interval, connectTimeout, receiveTimeout, rise, fall);
    }

    /**
     * A key that only some types use: its default when absent, an error at the key when present
     * for another type, else its value.
     */
    private <T> T only(MappingReader m, AdvisorType type, String key, Set<AdvisorType> appliesTo, T defaultValue,
            BiFunction<Node, String, T> reader) {
        if (m.get(key) != null && type != null && !appliesTo.contains(type)) {
            List<String> names = appliesTo.stream().map(AdvisorType::configName).toList();
            String typeNames = names.size() == 1 ? names.getFirst()
                    : String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.getLast();
            problems.report(m.keySite(key), ValueReader.quote(key) + " applies to " + typeNames + " advisors, not "
                    + type.configName());
            return null;
        }
        return m.optional(key, defaultValue, reader);
    }

    /** 0 would mean "the service port" in the record; in the file that is said by leaving port out. */
    private Integer probePort(Node node, String path) {
        if (node instanceof ScalarNode scalar && scalar.getValue().equals("0")) {
            problems.report(node, path, "must be an integer from " + PortConfig.MIN_PORT + " to " + PortConfig.MAX_PORT
                    + ", found \"0\"; leave port out to probe the service port");
            return null;
        }
        return values.integer(node, path, PortConfig.MIN_PORT, PortConfig.MAX_PORT);
    }

    private String hostHeader(Node node, String path) {
        String expected = "a host name or address for the Host header, with an optional :PORT";
        String text = values.text(node, path, expected);
        if (text != null && (text.length() > MAX_HOST_HEADER || !HOST_HEADER.matcher(text).matches())) {
            values.mismatch(node, path, expected);
            return null;
        }
        return text;
    }

    private String requestPath(Node node, String path) {
        String expected = "a request path starting with \"/\" (visible ASCII, no spaces or \"#\";"
                + " percent-encode anything else)";
        String text = values.text(node, path, expected);
        if (text != null && !REQUEST_PATH.matcher(text).matches()) {
            values.mismatch(node, path, expected);
            return null;
        }
        return text;
    }

    /** Every body contains the empty text, so an empty check would be no check that looks like one. */
    private String bodyText(Node node, String path) {
        String text = values.text(node, path, "non-empty text");
        if (text != null && text.isEmpty()) {
            values.mismatch(node, path, "non-empty text");
            return null;
        }
        return text;
    }

    private List<Integer> statusCodes(Node node, String path) {
        List<Node> items = values.list(node, path, "HTTP status codes");
        if (items == null) {
            return null;
        }
        List<Integer> codes = new ArrayList<>();
        boolean valid = true;
        for (int i = 0; i < items.size(); i++) {
            Integer code = values.integer(items.get(i), Site.element(path, i), AdvisorConfig.MIN_STATUS,
                    AdvisorConfig.MAX_STATUS);
            valid &= code != null;
            codes.add(code);
        }
        return valid ? codes : null;
    }

    /**
     * The argv of the check, run without a shell: the program by absolute path (the dispatcher's
     * PATH is a service's, not the operator's), then its arguments, none holding a NUL (argv
     * strings end at one).
     */
    private List<String> command(Node node, String path) {
        List<Node> items = values.list(node, path, "command words, the program's absolute path first");
        if (items == null) {
            return null;
        }
        List<String> words = new ArrayList<>();
        boolean valid = true;
        for (int i = 0; i < items.size(); i++) {
            String elementPath = Site.element(path, i);
            String word = i == 0
                    ? values.absolutePath(items.get(i), elementPath, "the program's absolute path")
                    : argument(items.get(i), elementPath);
            valid &= word != null;
            words.add(word);
        }
        return valid ? words : null;
    }

    private String argument(Node node, String path) {
        String expected = "a command-line argument (text without NUL characters)";
        String text = values.text(node, path, expected);
        if (text != null && text.indexOf('\0') >= 0) {
            values.mismatch(node, path, expected);
            return null;
        }
        return text;
    }

    private BiFunction<Node, String, Duration> durations(Duration min, Duration max) {
        return (node, path) -> values.duration(node, path, min, max);
    }
}
