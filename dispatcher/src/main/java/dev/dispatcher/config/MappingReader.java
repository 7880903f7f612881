package dev.dispatcher.config;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * One YAML mapping checked against the keys it may hold. Opening it reports unknown keys (with a
 * suggestion), duplicate keys and keys that are not names; afterwards the caller asks for values
 * by key and gets defaults for absent optional keys.
 */
final class MappingReader {
    private final Node node;
    private final String path;
    private final List<String> keys;
    private final Problems problems;
    private final Map<String, Node> values = new HashMap<>();
    private final Map<String, Node> keyNodes = new HashMap<>();

    private MappingReader(Node node, String path, List<String> keys, Problems problems) {
        this.node = node;
        this.path = path;
        this.keys = keys;
        this.problems = problems;
    }

    /** A mapping that must be there; null (reported) when the node is anything else. */
    static MappingReader open(Node node, String path, List<String> keys, Problems problems) {
        if (!(node instanceof MappingNode mapping)) {
            problems.report(node, path, "must be a mapping with keys " + String.join(", ", keys)
                    + ", found " + ValueReader.found(node));
            return null;
        }
        MappingReader reader = new MappingReader(node, path, keys, problems);
        reader.index(mapping);
        return reader;
    }

    /**
     * An optional settings section. {@code arp:} with nothing under it (every line commented out)
     * means "all defaults" rather than an error, as a person editing the sample would expect.
     */
    static MappingReader openSection(Node node, String path, List<String> keys, Problems problems) {
        if (ValueReader.isNull(node) && ((ScalarNode) node).getValue().isEmpty()) {
            return new MappingReader(node, path, keys, problems);
        }
        return open(node, path, keys, problems);
    }

    private void index(MappingNode mapping) {
        Map<String, Node> seen = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalar)) {
                problems.report(keyNode, path, "a key must be a name, found " + ValueReader.found(keyNode));
                continue;
            }
            String key = scalar.getValue();
            Node first = seen.putIfAbsent(key, keyNode);
            if (first != null) {
                problems.report(keyNode, Site.child(path, key), "duplicate key " + ValueReader.quote(key)
                        + ", first at line " + Site.of(first, path).line());
                continue;
            }
            if (!keys.contains(key)) {
                problems.report(keyNode, Site.child(path, key), "unknown key " + ValueReader.quote(key)
                        + Suggestions.closest(key, keys).map(k -> "; did you mean \"" + k + "\"?")
                                .orElse("; expected one of " + String.join(", ", keys)));
                continue;
            }
            values.put(key, tuple.getValueNode());
            keyNodes.put(key, keyNode);
        }
    }

    String path(String key) {
        return Site.child(path, key);
    }

    /** The value node, or null when the key is absent. */
    Node get(String key) {
        assert keys.contains(key) : key;
        return values.get(key);
    }

    /** The value node; when absent, reports the missing key at this mapping and returns null. */
    Node require(String key) {
        Node value = get(key);
        if (value == null) {
            problems.report(node, path(key), "required key is missing");
        }
        return value;
    }

    /** Where a present key's value is, or null when absent. */
    Site site(String key) {
        Node value = get(key);
        return value == null ? null : Site.of(value, path(key));
    }

    /** Where a present key itself is written, or null when absent: for a key that may not be there. */
    Site keySite(String key) {
        Node keyNode = keyNodes.get(key);
        return keyNode == null ? null : Site.of(keyNode, path(key));
    }

    /** The value read by {@code reader}, or null when absent (reported) or invalid (reported). */
    <T> T required(String key, BiFunction<Node, String, T> reader) {
        Node value = require(key);
        return value == null ? null : reader.apply(value, path(key));
    }

    /** The value read by {@code reader}; {@code defaultValue} when absent; null when invalid (reported). */
    <T> T optional(String key, T defaultValue, BiFunction<Node, String, T> reader) {
        Node value = get(key);
        return value == null ? defaultValue : reader.apply(value, path(key));
    }
}
