package dev.dispatcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that once hung or exhausted the loader: each must come back quickly as one error with
 * its place. The time bound only turns a hang into a failure; it measures nothing.
 */
class HostileConfigTest {
    private static final Duration HANG = Duration.ofSeconds(20);

    private static List<String> errorsOf(String name, String yaml) {
        ConfigException e = assertTimeoutPreemptively(HANG,
                () -> assertThrows(ConfigException.class, () -> ConfigLoader.parse(name, yaml)));
        return e.errors().stream().map(ConfigError::toString).toList();
    }

    private static List<String> errorsOf(Path file) {
        ConfigException e = assertTimeoutPreemptively(HANG,
                () -> assertThrows(ConfigException.class, () -> ConfigLoader.load(file)));
        return e.errors().stream().map(ConfigError::toString).toList();
    }

    @Test
    void mergeKeyThatRefersToItsOwnMappingIsRefusedNotLoopedOn() {
        assertEquals(List.of("m.yaml:3:7: (yaml): alias *a is used inside the node &a it names (a cycle);"
                        + " an alias may only repeat a complete node"),
                errorsOf("m.yaml", "interface: eth0\nx: &a\n  <<: *a\n"));
    }

    @Test
    void listThatContainsItselfIsRefused() {
        assertEquals(List.of("s.yaml:1:11: (yaml): alias *a is used inside the node &a it names (a cycle);"
                        + " an alias may only repeat a complete node"),
                errorsOf("s.yaml", "a: &a [1, *a]\n"));
    }

    @Test
    void nameDefinedAgainRefersToTheLatestDefinition() {
        // *a inside the second &a names that second, still open, node.
        assertEquals(List.of("r.yaml:2:12: (yaml): alias *a is used inside the node &a it names (a cycle);"
                        + " an alias may only repeat a complete node"),
                errorsOf("r.yaml", "a: &a {k: 1}\nb: &a {<<: *a}\n"));
        // An alias of a closed node, even one defined inside another anchored node, is fine.
        List<String> errors = errorsOf("ok.yaml", "interface: eth0\nx: &o {in: &a {k: 1}, m: {<<: *a}}\n");
        assertTrue(errors.stream().noneMatch(line -> line.contains("(yaml)")), errors.toString());
    }

    @Test
    void megabyteScalarIsRefusedByItsLineBeforeTheScannerSeesIt() {
        String yaml = "interface: eth0\nx: " + "a".repeat(1_000_000) + "\n";
        assertEquals(List.of("long.yaml:2:4097: (yaml): line longer than 4096 characters;"
                + " break long values (flow lists) over several lines"), errorsOf("long.yaml", yaml));
    }

    @Test
    void textAboveTheSizeLimitIsRefused() {
        String yaml = "# filler\n".repeat(YamlDocument.MAX_CHARS / 9 + 1);
        assertEquals(List.of("big.yaml:1:1: (yaml): the file is larger than 1024 KiB; a configuration is a few"
                + " kilobytes"), errorsOf("big.yaml", yaml));
    }

    @Test
    void fileAboveTheSizeLimitIsRefusedBeforeItIsDecoded(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("big.yaml");
        Files.write(file, new byte[YamlDocument.MAX_CHARS + 1]);
        assertEquals(List.of(file + ":0:0: (file): is larger than 1024 KiB; a configuration is a few kilobytes"),
                errorsOf(file));
    }

    @Test
    void devicesAreRefusedUnread() {
        for (String device : List.of("/dev/zero", "/dev/urandom", "/dev/null")) {
            assertEquals(List.of(device + ":0:0: (file): is not a regular file (a device, pipe or socket),"
                    + " expected a YAML file"), errorsOf(Path.of(device)), device);
        }
    }

    @Test
    void pipeIsRefusedWithoutBlocking(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("config.fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        assertEquals(List.of(fifo + ":0:0: (file): is not a regular file (a device, pipe or socket),"
                + " expected a YAML file"), errorsOf(fifo));
    }

    @Test
    void symbolicLinkToAConfigurationIsFollowed(@TempDir Path dir) throws Exception {
        Path real = dir.resolve("real.yaml");
        Files.writeString(real, "interface: eth0\n");
        Path link = Files.createSymbolicLink(dir.resolve("link.yaml"), real);
        assertEquals(List.of(link + ":1:1: clusters: required key is missing"), errorsOf(link));
    }

    @Test
    void aDefaultMaglevTableTooSmallForItsServersIsReportedWhereTheServersAre() {
        StringBuilder yaml = new StringBuilder("interface: eth0\nclusters:\n  - address: 198.18.0.100\n    ports:\n"
                + "      - port: 80\n        scheduler: maglev\n        servers:\n");
        for (int i = 0; i < 656; i++) {
            yaml.append("          - address: 198.18.").append(1 + i / 250).append('.').append(1 + i % 250)
                    .append('\n');
        }
        assertEquals(List.of("big.yaml:8:11: clusters[0].ports[0].maglev-table-size: must be at least 100 slots per"
                + " server, 65600 for the 656 servers of this port, found 65537; pick a prime above that"),
                errorsOf("big.yaml", yaml.toString()));
    }

    @Test
    void schedulerStateDirectoryAndRestoreAreRead() throws Exception {
        DispatcherConfig config = ConfigLoader.parse("s.yaml", """
                interface: eth0
                state-dir: /srv/dispatcher
                flow-table:
                  restore: false
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        scheduler: maglev
                        maglev-table-size: 131071
                        servers:
                          - address: 198.18.0.11
                """);
        PortConfig port = config.clusters().getFirst().ports().getFirst();
        assertEquals(SchedulerKind.MAGLEV, port.scheduler());
        assertEquals(131_071, port.maglevTableSize());
        assertEquals(Path.of("/srv/dispatcher"), config.stateDir());
        assertEquals(false, config.flowTable().restore());
        DispatcherConfig defaults = ConfigLoader.parse("d.yaml", "interface: eth0\nclusters:\n"
                + "  - address: 198.18.0.100\n    ports:\n      - port: 80\n        servers:\n"
                + "          - address: 198.18.0.11\n");
        PortConfig plain = defaults.clusters().getFirst().ports().getFirst();
        assertEquals(SchedulerKind.WRR, plain.scheduler());
        assertEquals(65_537, plain.maglevTableSize());
        assertEquals(Path.of("/var/lib/dispatcher"), defaults.stateDir());
        assertEquals(true, defaults.flowTable().restore());
    }
}
