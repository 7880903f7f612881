package dev.dispatcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ConfigWriter} writes what {@link ConfigLoader} reads back to an equal configuration. The
 * text is parsed under the file's own name, so the records' {@code source} compares equal too.
 */
class ConfigWriterTest {
    private static final String WRITTEN_AT = "2026-11-25T01:34:47Z";

    static Stream<Path> files() throws IOException {
        return Stream.concat(
                Stream.of("good/full.yaml", "good/minimal.yaml", "good/aliases.yaml", "good/ha-both.yaml",
                        "good/ha-primary.yaml").map(TestFiles::resource),
                DeploySampleTest.samples());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void loadWriteLoadIsIdentity(Path file) throws ConfigException {
        DispatcherConfig loaded = ConfigLoader.load(file);

        String yaml = ConfigWriter.toYaml(loaded, WRITTEN_AT);

        assertEquals(loaded, ConfigLoader.parse(file.toString(), yaml), yaml);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void writingIsStable(Path file) throws ConfigException {
        String once = ConfigWriter.toYaml(ConfigLoader.load(file), WRITTEN_AT);
        String twice = ConfigWriter.toYaml(ConfigLoader.parse(file.toString(), once), WRITTEN_AT);
        assertEquals(once, twice);
    }

    @Test
    void minimalFileIsWrittenWithEveryDefault() throws ConfigException {
        // Written by hand from docs/CONFIG.md: every default, in the reference's order.
        String expected = """
                # Written by the dispatcher at 2026-11-25T01:34:47Z.
                # Every value is set, defaults included; docs/CONFIG.md describes each key.
                interface: eth0
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        protocol: tcp
                        on-server-down: keep
                        scheduler: wrr
                        maglev-table-size: 65537
                        servers:
                          - address: 198.18.0.11
                            weight: 1
                state-dir: /var/lib/dispatcher
                flow-table:
                  capacity: 1048576
                  tcp-syn-timeout: 1m
                  tcp-established-timeout: 15m
                  tcp-closing-timeout: 2m
                  tcp-reset-timeout: 10s
                  udp-timeout: 5m
                  restore: true
                  tcp-unconfirmed-timeout: 10s
                  max-new-flows-per-second: off
                arp:
                  request-interval: 1s
                  refresh-interval: 30s
                  expire-after: 2m
                  gratuitous-count: 3
                  gratuitous-interval: 1s
                io:
                  backend: BACKEND
                  snaplen: 2048
                  buffer-size: 16MiB
                  batch-size: 64
                  poll-timeout: 10ms
                  rx-ring: frames
                pipeline:
                  mode: auto
                  workers: 1
                  ring-size: 4096
                  wait-strategy: blocking
                admin:
                  listen: 127.0.0.1:9100
                  token-file: /etc/dispatcher/admin.token
                """.replace("BACKEND", IoBackend.platformDefault().configName()); // afpacket on Linux
        assertEquals(expected, ConfigWriter.toYaml(ConfigLoader.load(TestFiles.resource("good/minimal.yaml")),
                WRITTEN_AT));
    }

    @Test
    void advisorsAreWrittenWithTheKeysOfTheirType() throws ConfigException {
        String written = ConfigWriter.toYaml(ConfigLoader.load(TestFiles.resource("good/full.yaml")), WRITTEN_AT);
        String clusters = written.substring(written.indexOf("clusters:"), written.indexOf("state-dir:"));
        String expected = """
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        protocol: tcp
                        on-server-down: reset
                        scheduler: wrr
                        maglev-table-size: 65537
                        max-connections: 5000
                        min-connections: 4000
                        advisor:
                          type: http
                          port: 8080
                          method: POST
                          host: www.example.test
                          path: /health?deep=1
                          expect-status: [200, 204]
                          body-contains: OK
                          interval: 100ms
                          connect-timeout: 10ms
                          receive-timeout: 10m
                          rise: 1
                          fall: 100
                        servers:
                          - address: 198.18.0.11
                            weight: 3
                            mac: 02:00:00:00:00:11
                            max-connections: 800
                          - address: 198.18.0.12
                            weight: 0
                            mac: 02:00:00:00:00:1a
                      - port: 53
                        protocol: udp
                        on-server-down: reset
                        scheduler: wrr
                        maglev-table-size: 65537
                        advisor:
                          type: script
                          port: 5353
                          command: [/usr/local/bin/check-dns, --server, '', 'say "hi" # not a comment']
                          interval: 1h
                          timeout: 1m
                          rise: 100
                          fall: 1
                        servers:
                          - address: 198.18.0.12
                            weight: 10000
                            mac: 02:00:00:00:00:1a
                  - address: 198.19.255.254
                    ports:
                      - port: 65535
                        protocol: tcp
                        on-server-down: keep
                        scheduler: wrr
                        maglev-table-size: 65537
                        advisor:
                          type: https
                          method: OPTIONS
                          host: '[2001:db8::1]:8443'
                          path: /status
                          expect-status: [100, 599]
                          interval: 2s
                          connect-timeout: 500ms
                          receive-timeout: 2s
                          rise: 2
                          fall: 3
                        servers:
                          - address: 198.18.0.13
                            weight: 1
                """;
        assertEquals(expected, clusters);
        assertEquals("admin:\n  listen: localhost:65535\n  token-file: /run/dispatcher/admin-token\n",
                written.substring(written.indexOf("admin:")));
    }

    @Test
    void textIsQuotedWhenYamlWouldReadItDifferently() throws ConfigException {
        AdvisorConfig http = new AdvisorConfig(AdvisorType.HTTP, 0, "GET", "www.example.test:8080",
                "/a%20b?x=1&y=~z", List.of(200),
                "a \"quoted\" #hash\\ – ok: yes\n\t\u0085\u2028\uFEFF\u007Fend " + "long words ".repeat(40), List.of(),
                AdvisorConfig.DEFAULT_INTERVAL, AdvisorConfig.DEFAULT_TIMEOUT, AdvisorConfig.DEFAULT_TIMEOUT, 2, 3);
        AdvisorConfig script = new AdvisorConfig(AdvisorType.SCRIPT, 0, "GET", "", "/", List.of(200), "",
                List.of("/opt/check é/run", "null", "~", "-x", "a,b", "[1]", "{k: v}", "*alias", "&anchor", "!tag",
                        "'single'", "%TAG", "@at", "`tick`", "|", ">", "? key", "yes", "010", "0x1F", " lead",
                        "trail "),
                AdvisorConfig.DEFAULT_INTERVAL, AdvisorConfig.DEFAULT_TIMEOUT, Duration.ofMinutes(10), 2, 3);
        DispatcherConfig config = config("null", List.of(
                port(80, http, new ServerConfig(Ipv4.parse("198.18.0.11"), 1, ServerConfig.NO_MAC)),
                port(81, script, new ServerConfig(Ipv4.parse("198.18.0.11"), 1, ServerConfig.NO_MAC))),
                new AdminConfig("0.0.0.0", 1, Path.of("/etc/dispatcher/admin token #1")));

        String yaml = ConfigWriter.toYaml(config, WRITTEN_AT);

        assertEquals(config, ConfigLoader.parse("written.yaml", yaml), yaml);
    }

    @Test
    void everyPairOfTimeoutsIsWrittenSoItReadsBack() throws ConfigException {
        Duration d = AdvisorConfig.DEFAULT_TIMEOUT;
        Duration a = Duration.ofMillis(250);
        Duration b = Duration.ofSeconds(45);
        int port = 1;
        List<PortConfig> ports = new ArrayList<>();
        for (AdvisorType type : AdvisorType.values()) {
            for (Duration[] pair : new Duration[][] {{d, d}, {a, a}, {a, b}, {b, a}, {d, b}, {a, d}}) {
                List<String> command = type == AdvisorType.SCRIPT ? List.of("/bin/true") : List.of();
                AdvisorConfig advisor = new AdvisorConfig(type, 0, "GET", "", "/", List.of(200), "", command,
                        Duration.ofSeconds(5), pair[0], pair[1], 2, 3);
                ports.add(port(port++, advisor, new ServerConfig(Ipv4.parse("198.18.0.11"), 1, ServerConfig.NO_MAC)));
            }
        }
        DispatcherConfig config = config("eth0", ports, AdminConfig.DEFAULTS);

        String yaml = ConfigWriter.toYaml(config, WRITTEN_AT);

        assertEquals(config, ConfigLoader.parse("written.yaml", yaml), yaml);
    }

    @Test
    void aLoneSurrogateIsRefusedNotWrittenAsAnotherCharacter() {
        DispatcherConfig config = config("eth\uD800", List.of(), AdminConfig.DEFAULTS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigWriter.toYaml(config, WRITTEN_AT));
        assertEquals("text with a lone surrogate cannot be written: \"eth\\uD800\"", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"two\nlines", "cr\rhere", "nel\u0085", "ls\u2028", "nul\0"})
    void headerMustBeOneLine(String writtenAt) {
        DispatcherConfig config = config("eth0", List.of(), AdminConfig.DEFAULTS);
        assertThrows(IllegalArgumentException.class, () -> ConfigWriter.toYaml(config, writtenAt));
    }

    @Test
    void headerSaysWhoWroteTheFileAndWhen() {
        String yaml = ConfigWriter.toYaml(config("eth0", List.of(), AdminConfig.DEFAULTS), "Tue 25 Nov 2026 01:34 UTC");
        assertEquals("# Written by the dispatcher at Tue 25 Nov 2026 01:34 UTC.",
                yaml.lines().findFirst().orElseThrow());
    }

    private static PortConfig port(int number, AdvisorConfig advisor, ServerConfig server) {
        return new PortConfig(number, Protocol.TCP, List.of(server), ServerDownPolicy.RESET, Optional.of(advisor));
    }

    private static DispatcherConfig config(String interfaceName, List<PortConfig> ports, AdminConfig admin) {
        List<ClusterConfig> clusters = ports.isEmpty() ? List.of()
                : List.of(new ClusterConfig(Ipv4.parse("198.18.0.100"), ports));
        return new DispatcherConfig(Path.of("written.yaml"), interfaceName, clusters, FlowTableConfig.DEFAULTS,
                ArpConfig.DEFAULTS, IoConfig.DEFAULTS, PipelineConfig.DEFAULTS, admin);
    }
}
