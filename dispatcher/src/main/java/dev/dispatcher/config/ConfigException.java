package dev.dispatcher.config;

import java.util.List;
import java.util.stream.Collectors;

/** A configuration that could not be loaded, with every problem found in it. */
public final class ConfigException extends Exception {
    private final List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    /** The problems in file order (line, then column). */
    public List<ConfigError> errors() {
        return errors;
    }

    /** Every error on its own line, ready to print. */
    @Override
    public String getMessage() {
        return errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n"));
    }
}
