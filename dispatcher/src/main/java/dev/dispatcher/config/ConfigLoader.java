package dev.dispatcher.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
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
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (attributes.isDirectory()) {
                throw fileError(name, "is a directory, expected a YAML file");
            }
            if (!attributes.isRegularFile()) {
                // /dev/zero or a FIFO would be read forever, or block the reader.
                throw fileError(name, "is not a regular file (a device, pipe or socket), expected a YAML file");
            }
            text = readBounded(file, name);
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

    /** The file as UTF-8 text, refused above {@link YamlDocument#MAX_CHARS} bytes before decoding. */
    private static String readBounded(Path file, String name) throws IOException, ConfigException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            // One byte more than allowed tells "too large" even for a file that grew after the check.
            bytes = in.readNBytes(YamlDocument.MAX_CHARS + 1);
        }
        if (bytes.length > YamlDocument.MAX_CHARS) {
            throw fileError(name, "is larger than " + YamlDocument.MAX_CHARS / 1024
                    + " KiB; a configuration is a few kilobytes");
        }
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
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
