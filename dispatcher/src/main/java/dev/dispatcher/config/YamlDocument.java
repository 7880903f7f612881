package dev.dispatcher.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * YAML text to one node tree with positions (snakeyaml-engine's low-level compose API), with
 * every way that can fail turned into a reported problem.
 */
final class YamlDocument {
    /**
     * The schema needs 7 levels (root, clusters, cluster, ports, port, servers, server). The
     * composer recurses per level, so without a bound a line of 5000 '[' overflows the stack.
     */
    static final int MAX_DEPTH = 32;
    /**
     * A configuration is kilobytes; the bound keeps a wrong file (a log, a disk image) from being
     * read into memory and scanned.
     */
    static final int MAX_CHARS = 1 << 20;
    /**
     * snakeyaml-engine's scanner grows its look-ahead window one copy at a time while it reads a
     * token (quadratic: a 1 MB scalar took 4.6 s and 1.1 GB). A token never spans a line break,
     * so bounding the line bounds that work; no value of ours comes near it.
     */
    static final int MAX_LINE_CHARS = 4096;

    private YamlDocument() {
    }

    /** The document's root node; empty when there is none or the YAML is broken (reported). */
    static Optional<Node> compose(String name, String text, Problems problems) {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(name)
                // YAML 1.2 core: "~" and "null" are null; our own parsers type every other value.
                .setSchema(new CoreSchema())
                // Let them through so the reader can say "a key must be a name" with a position.
                .setAllowNonScalarKeys(true)
                .build();
        try {
            if (tooLarge(text, problems) || refusedStructure(settings, text, problems)) {
                return Optional.empty();
            }
            Optional<Node> root = new Compose(settings).composeString(text);
            if (root.isEmpty()) {
                problems.report(1, 1, Problems.DOCUMENT,
                        "the file is empty; expected a mapping with at least interface and clusters");
            }
            return root;
        } catch (MarkedYamlEngineException e) {
            Mark mark = e.getProblemMark().or(e::getContextMark).orElse(null);
            problems.report(mark == null ? 1 : mark.getLine() + 1, mark == null ? 1 : mark.getColumn() + 1,
                    Problems.YAML, YamlErrors.describe(e));
        } catch (ReaderException e) {
            int[] lineColumn = YamlErrors.lineColumn(text, e.getPosition());
            problems.report(lineColumn[0], lineColumn[1], Problems.YAML, String.format(
                    "character U+%04X is not allowed in YAML; write it escaped in a double-quoted string",
                    e.getCodePoint()));
        } catch (YamlEngineException e) {
            problems.report(1, 1, Problems.YAML, YamlErrors.clean(e.getMessage()));
        }
        return Optional.empty();
    }

    /** The text's size and its longest line, checked before the scanner sees it. */
    private static boolean tooLarge(String text, Problems problems) {
        if (text.length() > MAX_CHARS) {
            problems.report(1, 1, Problems.YAML, "the file is larger than " + MAX_CHARS / 1024
                    + " KiB; a configuration is a few kilobytes");
            return true;
        }
        int line = 1;
        int start = 0;
        while (start <= text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            if (end - start > MAX_LINE_CHARS) {
                problems.report(line, MAX_LINE_CHARS + 1, Problems.YAML, "line longer than " + MAX_LINE_CHARS
                        + " characters; break long values (flow lists) over several lines");
                return true;
            }
            line++;
            start = end + 1;
        }
        return false;
    }

    /**
     * Walks the event stream (the parser keeps its own stack, it does not recurse) for what the
     * composer cannot survive: nesting beyond {@link #MAX_DEPTH}, and an alias inside the node it
     * names. The composer accepts such a cycle, and a merge key in it ({@code x: &a {<<: *a}})
     * makes its merge flattening loop forever; our reader would walk the cycle forever too.
     */
    private static boolean refusedStructure(LoadSettings settings, String text, Problems problems) {
        // Anchors of the collections still open, innermost last; the map says which definition of
        // a name is the latest (a name may be defined again) and whether it is still open.
        Deque<String> open = new ArrayDeque<>();
        Map<String, Boolean> openByAnchor = new HashMap<>();
        for (Event event : new Parse(settings).parseString(text)) {
            // An alias event carries the name it refers to in the same field: not a definition.
            if (event instanceof NodeEvent node && !(event instanceof AliasEvent) && node.getAnchor().isPresent()) {
                openByAnchor.put(node.getAnchor().get().getValue(), event instanceof CollectionStartEvent);
            }
            switch (event.getEventId()) {
                case MappingStart, SequenceStart -> {
                    if (open.size() == MAX_DEPTH) {
                        Mark mark = event.getStartMark().orElseThrow();
                        problems.report(mark.getLine() + 1, mark.getColumn() + 1, Problems.YAML,
                                "nesting deeper than " + MAX_DEPTH + " levels; this file needs 7");
                        return true;
                    }
                    open.push(((NodeEvent) event).getAnchor().map(a -> a.getValue()).orElse(""));
                }
                case MappingEnd, SequenceEnd -> {
                    String anchor = open.pop();
                    if (!anchor.isEmpty()) {
                        openByAnchor.put(anchor, false);
                    }
                }
                case Alias -> {
                    String anchor = ((AliasEvent) event).getAlias().getValue();
                    if (Boolean.TRUE.equals(openByAnchor.get(anchor))) {
                        Mark mark = event.getStartMark().orElseThrow();
                        problems.report(mark.getLine() + 1, mark.getColumn() + 1, Problems.YAML,
                                "alias *" + anchor + " is used inside the node &" + anchor
                                        + " it names (a cycle); an alias may only repeat a complete node");
                        return true;
                    }
                }
                default -> {
                    // scalars, document and stream markers do not nest
                }
            }
        }
        return false;
    }
}
