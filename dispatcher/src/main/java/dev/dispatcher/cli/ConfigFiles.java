package dev.dispatcher.cli;

import dev.dispatcher.config.ConfigException;
import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import java.io.PrintWriter;
import java.nio.file.Path;

/** Loads a configuration for a command, printing every error on failure. */
final class ConfigFiles {
    private ConfigFiles() {
    }

    /** The loaded configuration, or null after printing every error to {@code err}. */
    static DispatcherConfig loadOrReport(Path file, PrintWriter err) {
        try {
            return ConfigLoader.load(file);
        } catch (ConfigException e) {
            for (var error : e.errors()) {
                err.println(error);
            }
            err.println(e.errors().size() + " error(s) in " + file + "; nothing started");
            err.flush();
            return null;
        }
    }
}
