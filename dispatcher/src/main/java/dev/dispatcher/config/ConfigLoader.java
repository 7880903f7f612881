package dev.dispatcher.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads the dispatcher's YAML configuration. Either every rule holds and a complete
 * {@link DispatcherConfig} comes back, or a {@link ConfigException} lists every problem in the
 * file with its line and column; nothing is half-built.
 *
 * <p>The file is composed into a node tree (snakeyaml-engine's low-level compose API), not loaded
 * into maps, because only nodes remember where each value was written.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /**
     * Reads and validates {@code file}. Messages name the file as given, so a relative path stays
     * relative and editors can follow {@code FILE:LINE:COL}.
     */
    public static DispatcherConfig load(Path file) throws ConfigException {
        String name = file.toString();
        String text;
        try {
            if (Files.isDirectory(file)) {
                throw fileError(name, "is a directory, expected a YAML file");
            }
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw fileError(name, "cannot read the file: no such file");
        } catch (AccessDeniedException e) {
            throw fileError(name, "cannot read the file: permission denied");
        } catch (CharacterCodingException e) {
            throw fileError(name, "cannot read the file: it is not UTF-8 text");
        } catch (IOException e) {
            throw fileError(name, "cannot read the file: " + e.getMessage());
        }
        return parse(name, text, file);
    }

    /**
     * Validates YAML text; {@code fileNameForMessages} is used in messages and as
     * {@link DispatcherConfig#source()}.
     */
    public static DispatcherConfig parse(String fileNameForMessages, String yamlText) throws ConfigException {
        return parse(fileNameForMessages, yamlText, Path.of(fileNameForMessages));
    }

    private static DispatcherConfig parse(String name, String text, Path source) throws ConfigException {
        Problems problems = new Problems(name);
        DispatcherConfig config = YamlDocument.compose(name, text, problems)
                .map(root -> new ConfigReader(problems).read(root, source))
                .orElse(null);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.sorted());
        }
        return config;
    }

    private static ConfigException fileError(String name, String message) {
        return new ConfigException(List.of(new ConfigError(name, 0, 0, Problems.FILE, message)));
    }
}
