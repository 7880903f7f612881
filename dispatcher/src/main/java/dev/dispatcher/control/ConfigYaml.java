package dev.dispatcher.control;

import dev.dispatcher.config.ConfigException;
import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.ConfigWriter;
import dev.dispatcher.config.DispatcherConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** The running configuration as YAML, and saving it over its file atomically. */
final class ConfigYaml {
    private ConfigYaml() {
    }

    static String write(DispatcherConfig config) {
        // The writer's header reads "Written by the dispatcher at <this>.".
        return ConfigWriter.toYaml(config,
                OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /**
     * Writes next to the file and renames over it: a crash never leaves half a configuration.
     * The text is loaded back first, so a file that would not start the dispatcher is never written.
     */
    static void save(DispatcherConfig config) throws IOException {
        Path target = config.source().toAbsolutePath();
        String yaml = write(config);
        try {
            ConfigLoader.parse(target.toString(), yaml);
        } catch (ConfigException e) {
            throw new IOException("the running configuration does not validate, not saved: " + e.getMessage(), e);
        }
        Path temp = target.resolveSibling(target.getFileName() + ".saving");
        Files.writeString(temp, yaml);
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
