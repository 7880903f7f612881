package dev.dispatcher.config;

import java.util.Objects;

/**
 * One problem in a configuration file, in the form compilers use so editors can jump to it.
 *
 * @param file    the file name as given to the loader
 * @param line    1-based line; 0 when the problem is the file itself (not found, unreadable)
 * @param column  1-based column; 0 together with line 0
 * @param field   the key path, e.g. {@code clusters[0].ports[1].servers[2].weight}, or a
 *                placeholder in parentheses ({@code (file)}, {@code (yaml)}, {@code (document)})
 *                when the problem belongs to no key
 * @param message what was expected and what was found
 */
public record ConfigError(String file, int line, int column, String field, String message) {
    public ConfigError {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(message, "message");
    }

    /** {@code FILE:LINE:COL: FIELD: MESSAGE}. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + field + ": " + message;
    }
}
