package dev.dispatcher.config;

import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;
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
            if (tooDeep(settings, text, problems)) {
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

    /** Walks the event stream (the parser keeps its own stack, it does not recurse). */
    private static boolean tooDeep(LoadSettings settings, String text, Problems problems) {
        int depth = 0;
        for (Event event : new Parse(settings).parseString(text)) {
            switch (event.getEventId()) {
                case MappingStart, SequenceStart -> {
                    if (++depth > MAX_DEPTH) {
                        Mark mark = event.getStartMark().orElseThrow();
                        problems.report(mark.getLine() + 1, mark.getColumn() + 1, Problems.YAML,
                                "nesting deeper than " + MAX_DEPTH + " levels; this file needs 7");
                        return true;
                    }
                }
                case MappingEnd, SequenceEnd -> depth--;
                default -> {
                    // scalars, aliases, document and stream markers do not nest
                }
            }
        }
        return false;
    }
}
