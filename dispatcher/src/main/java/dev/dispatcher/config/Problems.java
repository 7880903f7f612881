package dev.dispatcher.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.snakeyaml.engine.v2.nodes.Node;

/** Collects every error of one file; the loader reads the whole file before it gives up. */
final class Problems {
    /** Field placeholders for problems that belong to no key. */
    static final String FILE = "(file)";
    static final String YAML = "(yaml)";
    static final String DOCUMENT = "(document)";

    private final String file;
    private final List<ConfigError> errors = new ArrayList<>();

    Problems(String file) {
        this.file = file;
    }

    void report(Site site, String message) {
        report(site.line(), site.column(), site.path(), message);
    }

    void report(Node node, String path, String message) {
        report(Site.of(node, path), message);
    }

    void report(int line, int column, String path, String message) {
        errors.add(new ConfigError(file, line, column, path.isEmpty() ? DOCUMENT : path, message));
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    /** In file order; problems at the same place keep the order they were found in. */
    List<ConfigError> sorted() {
        List<ConfigError> sorted = new ArrayList<>(errors);
        sorted.sort(Comparator.comparingInt(ConfigError::line).thenComparingInt(ConfigError::column));
        return sorted;
    }
}
