package dev.dispatcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code config/bad/NAME.yaml} must fail with exactly the lines of {@code NAME.expected}:
 * one {@link ConfigError#toString()} per line, in order, with the bare file name. The expected
 * files are written by hand from the rules, never generated from the loader's output.
 */
class BadConfigCorpusTest {
    private static final Path CORPUS = TestFiles.resource("bad");

    static Stream<String> cases() throws IOException {
        try (Stream<Path> files = Files.list(CORPUS)) {
            return files.map(path -> path.getFileName().toString())
                    .filter(name -> name.endsWith(".yaml"))
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsExactlyTheExpectedErrors(String fileName) throws IOException {
        String yaml = Files.readString(CORPUS.resolve(fileName));
        Path expectedFile = CORPUS.resolve(fileName.replaceFirst("\\.yaml$", ".expected"));
        List<String> expected = Files.readAllLines(expectedFile);

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(fileName, yaml));

        List<String> actual = e.errors().stream().map(ConfigError::toString).toList();
        assertEquals(String.join("\n", expected), String.join("\n", actual), fileName);
        assertEquals(String.join("\n", expected), e.getMessage(), "getMessage() joins the errors");
    }

    @Test
    void everyCaseHasItsExpectationAndTheCorpusCoversTheRules() throws IOException {
        List<String> names;
        try (Stream<Path> files = Files.list(CORPUS)) {
            names = files.map(path -> path.getFileName().toString()).sorted().toList();
        }
        long yaml = names.stream().filter(n -> n.endsWith(".yaml")).count();
        for (String name : names) {
            String base = name.replaceFirst("\\.(yaml|expected)$", "");
            assertTrue(names.contains(base + ".yaml") && names.contains(base + ".expected"),
                    "needs both " + base + ".yaml and " + base + ".expected");
        }
        assertTrue(yaml >= 45, "at least 45 bad files, found " + yaml);
    }
}
