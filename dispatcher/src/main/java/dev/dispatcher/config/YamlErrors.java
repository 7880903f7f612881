package dev.dispatcher.config;

import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;

/** Turns snakeyaml-engine's syntax errors into one-line messages a person can act on. */
final class YamlErrors {
    private YamlErrors() {
    }

    static String describe(MarkedYamlEngineException e) {
        String problem = clean(e.getProblem());
        String context = clean(e.getContext());
        if (problem.contains("(TAB)")) {
            return "a tab character cannot start a token here: indent with spaces, never tabs";
        }
        if (context.startsWith("expected a single document")) {
            return "the file must hold one YAML document, found a second one (another \"---\")";
        }
        StringBuilder message = new StringBuilder(problem.isEmpty() ? context : problem);
        // A context without a mark is generic ("while scanning for the next token"): noise.
        if (!problem.isEmpty() && !context.isEmpty() && e.getContextMark().isPresent()) {
            var mark = e.getContextMark().get();
            message.append(" (").append(context).append(" started at line ").append(mark.getLine() + 1)
                    .append(", column ").append(mark.getColumn() + 1).append(')');
        }
        if (problem.contains("<block end>") || problem.contains("<block mapping start>")
                || problem.contains("<document start>")) {
            message.append("; check the indentation");
        }
        return message.toString();
    }

    /** One line: messages end up in a line-oriented error list. */
    static String clean(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").strip();
    }

    /** 1-based line and column of a code point index, for errors that carry only the index. */
    static int[] lineColumn(String text, int codePointIndex) {
        int line = 1;
        int column = 1;
        int index = 0;
        for (int i = 0; i < text.length() && index < codePointIndex; index++) {
            int c = text.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new int[] {line, column};
    }
}
