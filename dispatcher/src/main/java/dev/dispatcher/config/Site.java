package dev.dispatcher.config;

import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

/** Where a value sits: its key path and its 1-based line and column. */
record Site(String path, int line, int column) {
    static Site of(Node node, String path) {
        // Marks are on by default in LoadSettings; a node without one is a bug in this package.
        Mark mark = node.getStartMark().orElseThrow();
        return new Site(path, mark.getLine() + 1, mark.getColumn() + 1);
    }

    /** The key path of a child of a mapping. */
    static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The key path of a list element. */
    static String element(String path, int index) {
        return path + "[" + index + "]";
    }

    /** "clusters[0].address (line 3)": how a message points at an earlier value. */
    String reference() {
        return path + " (line " + line + ")";
    }
}
