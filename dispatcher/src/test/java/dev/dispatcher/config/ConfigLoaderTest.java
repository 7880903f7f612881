package dev.dispatcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
    private static final String MINIMAL_CLUSTERS = """
            clusters:
              - address: 198.18.0.100
                ports:
                  - port: 80
                    servers:
                      - address: 198.18.0.11
            """;

    @Test
    void busyPollIsReadInMicroseconds() throws Exception {
        DispatcherConfig config = ConfigLoader.parse("busy.yaml", "interface: eth0\n" + MINIMAL_CLUSTERS + """
                io:
                  busy-poll: 50us
                """);
        assertEquals(Duration.ofNanos(50_000), config.io().busyPoll());
        assertEquals(Duration.ZERO, IoConfig.DEFAULTS.busyPoll(), "off unless asked for");
    }

    @Test
    void minimalFileTakesEveryDefault() throws Exception {
        Path file = TestFiles.resource("good/minimal.yaml");
        DispatcherConfig config = ConfigLoader.load(file);

        assertEquals(file, config.source());
        assertEquals("eth0", config.interfaceName());
        assertEquals(List.of(new ClusterConfig(0xC6120064, List.of(new PortConfig(80, Protocol.TCP,
                List.of(new ServerConfig(0xC612000B, 1, ServerConfig.NO_MAC)))))), config.clusters());
        assertFalse(config.clusters().getFirst().ports().getFirst().servers().getFirst().hasStaticMac());
        PortConfig port = config.clusters().getFirst().ports().getFirst();
        assertEquals(ServerDownPolicy.KEEP, port.onServerDown());
        assertEquals(Optional.empty(), port.advisor());

        assertEquals(FlowTableConfig.DEFAULTS, config.flowTable());
        assertEquals(ArpConfig.DEFAULTS, config.arp());
        assertEquals(IoConfig.DEFAULTS, config.io());
        assertEquals(PipelineConfig.DEFAULTS, config.pipeline());
        assertEquals(AdminConfig.DEFAULTS, config.admin());
    }

    @Test
    void defaultsAreTheDocumentedValues() {
        assertEquals(new FlowTableConfig(1_048_576, Duration.ofSeconds(60), Duration.ofMinutes(15),
                Duration.ofMinutes(2), Duration.ofSeconds(10), Duration.ofMinutes(5)), FlowTableConfig.DEFAULTS);
        assertEquals(new ArpConfig(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(2), 3,
                Duration.ofSeconds(1)), ArpConfig.DEFAULTS);
        assertEquals(new IoConfig(IoBackend.platformDefault(), 2048, 16 * 1024 * 1024, 64, Duration.ofMillis(10)),
                IoConfig.DEFAULTS);
        assertEquals(System.getProperty("os.name").startsWith("Linux") ? IoBackend.AFPACKET : IoBackend.PCAP4J,
                IoBackend.platformDefault(), "afpacket is the default on Linux");
        assertEquals(new PipelineConfig(PipelineMode.AUTO, 1, 4096, WaitStrategyName.BLOCKING),
                PipelineConfig.DEFAULTS);
        assertEquals(1, ServerConfig.DEFAULT_WEIGHT);
        assertEquals(Protocol.TCP, PortConfig.DEFAULT_PROTOCOL);
        assertEquals(ServerDownPolicy.KEEP, PortConfig.DEFAULT_ON_SERVER_DOWN);
        assertEquals(new AdminConfig("127.0.0.1", 9100, Path.of("/etc/dispatcher/admin.token")), AdminConfig.DEFAULTS);
        assertEquals(new AdvisorConfig(AdvisorType.HTTP, 0, "GET", "", "/", List.of(200), "", List.of(),
                Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3),
                AdvisorConfig.defaults(AdvisorType.HTTP));
    }

    private static int dnsLimit(DispatcherConfig config) {
        PortConfig dns = config.clusters().get(0).ports().get(1);
        return dns.maxConnectionsOf(dns.servers().get(0)) + dns.minConnectionsOf(dns.servers().get(0));
    }

    @Test
    void fullFileSetsEveryValue() throws Exception {
        DispatcherConfig config = ConfigLoader.load(TestFiles.resource("good/full.yaml"));

        assertEquals("dsp-lab0", config.interfaceName());
        assertEquals(2, config.clusters().size());

        ClusterConfig first = config.clusters().get(0);
        assertEquals("198.18.0.100", Ipv4.format(first.address()));
        assertEquals(2, first.ports().size());
        PortConfig http = first.ports().get(0);
        assertEquals(80, http.port());
        assertEquals(Protocol.TCP, http.protocol());
        assertEquals(List.of(
                new ServerConfig(Ipv4.parse("198.18.0.11"), 3, 0x020000000011L, 800, ServerConfig.NO_LIMIT),
                // The static MAC given for 198.18.0.12 under port 53 belongs to the address.
                new ServerConfig(Ipv4.parse("198.18.0.12"), 0, 0x02000000001AL)), http.servers());
        assertEquals(5000, http.maxConnections());
        // A server's own limit brings its own lower mark (3/4 of it); the port's applies with the port's limit.
        assertEquals(800, http.maxConnectionsOf(http.servers().get(0)));
        assertEquals(600, http.minConnectionsOf(http.servers().get(0)));
        assertEquals(5000, http.maxConnectionsOf(http.servers().get(1)));
        assertEquals(4000, http.minConnectionsOf(http.servers().get(1)));
        assertEquals(0, dnsLimit(config), "no limit where none is set");
        assertEquals(ServerDownPolicy.RESET, http.onServerDown());
        // timeout: 30s is there too; both specific timeouts win over it.
        assertEquals(Optional.of(new AdvisorConfig(AdvisorType.HTTP, 8080, "POST", "www.example.test",
                "/health?deep=1", List.of(200, 204), "OK", List.of(), Duration.ofMillis(100), Duration.ofMillis(10),
                Duration.ofMinutes(10), 1, 100)), http.advisor());
        PortConfig dns = first.ports().get(1);
        assertEquals(53, dns.port());
        assertEquals(Protocol.UDP, dns.protocol());
        assertEquals(List.of(new ServerConfig(Ipv4.parse("198.18.0.12"), 10_000, 0x02000000001AL)), dns.servers());
        assertEquals(ServerDownPolicy.RESET, dns.onServerDown());
        // The HTTP keys keep their defaults in the record; timeout: 1m sets both bounds.
        assertEquals(Optional.of(new AdvisorConfig(AdvisorType.SCRIPT, 5353, "GET", "", "/", List.of(200), "",
                List.of("/usr/local/bin/check-dns", "--server", "", "say \"hi\" # not a comment"), Duration.ofHours(1),
                Duration.ofMinutes(1), Duration.ofMinutes(1), 100, 1)), dns.advisor());

        ClusterConfig second = config.clusters().get(1);
        assertEquals("198.19.255.254", Ipv4.format(second.address()));
        // timeout: 500ms sets the connect bound; receive-timeout: 2s wins for the answer.
        AdvisorConfig https = new AdvisorConfig(AdvisorType.HTTPS, 0, "OPTIONS", "[2001:db8::1]:8443", "/status",
                List.of(100, 599), "", List.of(), Duration.ofSeconds(2), Duration.ofMillis(500), Duration.ofSeconds(2),
                2, 3);
        assertEquals(List.of(new PortConfig(65_535, Protocol.TCP,
                List.of(new ServerConfig(Ipv4.parse("198.18.0.13"), 1, ServerConfig.NO_MAC)), ServerDownPolicy.KEEP,
                Optional.of(https))), second.ports());

        assertEquals(new FlowTableConfig(67_108_864, Duration.ofSeconds(30), Duration.ofHours(2),
                Duration.ofSeconds(90), Duration.ofSeconds(5), Duration.ofMinutes(1), true, Duration.ofSeconds(5),
                250_000), config.flowTable());
        assertEquals(new ArpConfig(Duration.ofMillis(250), Duration.ofSeconds(10), Duration.ofSeconds(45), 0,
                Duration.ofMillis(500)), config.arp());
        assertEquals(new IoConfig(IoBackend.PCAP4J, 1522, 64 * 1024 * 1024, 1024, Duration.ofMillis(1)),
                config.io());
        assertEquals(new PipelineConfig(PipelineMode.RING, 64, 1_048_576, WaitStrategyName.BUSY_SPIN),
                config.pipeline());
        assertEquals(new AdminConfig("localhost", 65_535, Path.of("/run/dispatcher/admin-token")), config.admin());
    }

    @Test
    void rxRingBlocksTakesItsRetireTimeout() throws Exception {
        DispatcherConfig blocks = ConfigLoader.parse("blocks.yaml", "interface: eth0\n" + MINIMAL_CLUSTERS
                + "io:\n  backend: afpacket\n  rx-ring: blocks\n  rx-block-timeout: 5ms\n");
        assertEquals(RxRing.BLOCKS, blocks.io().rxRing());
        assertEquals(Duration.ofMillis(5), blocks.io().rxBlockTimeout());
        DispatcherConfig defaultTimeout = ConfigLoader.parse("blocks.yaml", "interface: eth0\n" + MINIMAL_CLUSTERS
                + "io:\n  backend: afpacket\n  rx-ring: blocks\n");
        assertEquals(Duration.ofMillis(1), defaultTimeout.io().rxBlockTimeout(), "1 ms unless set");
        DispatcherConfig pcapFrames = ConfigLoader.parse("pcap.yaml", "interface: eth0\n" + MINIMAL_CLUSTERS
                + "io:\n  backend: pcap4j\n  rx-ring: frames\n");
        assertEquals(RxRing.FRAMES, pcapFrames.io().rxRing(), "frames is what libpcap's immediate mode does anyway");
        assertEquals(RxRing.FRAMES, IoConfig.DEFAULTS.rxRing());
    }

    @Test
    void advisorTakesTheDefaultsOfItsType() throws Exception {
        DispatcherConfig config = ConfigLoader.parse("tcp.yaml", """
                interface: eth0
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        advisor: {type: tcp}
                        servers: [{address: 198.18.0.11}]
                """);
        assertEquals(Optional.of(AdvisorConfig.defaults(AdvisorType.TCP)),
                config.clusters().getFirst().ports().getFirst().advisor());
    }

    @Test
    void scriptAdvisorIsBoundByReceiveTimeout() throws Exception {
        DispatcherConfig config = ConfigLoader.parse("script.yaml", """
                interface: eth0
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        advisor:
                          type: script
                          command: [/usr/local/bin/check]
                          receive-timeout: 30s
                        servers: [{address: 198.18.0.11}]
                """);
        AdvisorConfig advisor = config.clusters().getFirst().ports().getFirst().advisor().orElseThrow();
        assertEquals(List.of("/usr/local/bin/check"), advisor.command());
        assertEquals(Duration.ofSeconds(30), advisor.receiveTimeout());
        assertEquals(AdvisorConfig.DEFAULT_TIMEOUT, advisor.connectTimeout());
    }

    @ParameterizedTest
    @ValueSource(strings = {"www.example.test", "198.18.0.11:8080", "[::1]", "[2001:db8::1]:443", "localhost",
        "a-b_c~d.example"})
    void acceptsHostHeaders(String host) throws Exception {
        DispatcherConfig config = ConfigLoader.parse("host.yaml", """
                interface: eth0
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        advisor: {type: http, host: "%s"}
                        servers: [{address: 198.18.0.11}]
                """.formatted(host));
        assertEquals(host, config.clusters().getFirst().ports().getFirst().advisor().orElseThrow().host());
    }

    @Test
    void emptyAdminSectionTakesItsDefaults() throws Exception {
        DispatcherConfig config = ConfigLoader.parse("admin.yaml", "interface: eth0\n" + MINIMAL_CLUSTERS
                + "admin: # listen: 0.0.0.0:9100\n");
        assertEquals(AdminConfig.DEFAULTS, config.admin());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1:9100     | 127.0.0.1 | 9100",
        "0.0.0.0:1          | 0.0.0.0   | 1",
        "localhost:65535    | localhost | 65535",
        "198.18.0.2:8443    | 198.18.0.2 | 8443",
    })
    void acceptsListenAddresses(String listen, String host, int port) throws Exception {
        DispatcherConfig config = ConfigLoader.parse("admin.yaml", "interface: eth0\n" + MINIMAL_CLUSTERS
                + "admin:\n  listen: \"" + listen + "\"\n");
        assertEquals(new AdminConfig(host, port, AdminConfig.DEFAULTS.tokenFile()), config.admin());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "127.0.0.1            | no port",
        "127.0.0.1:           | no port",
        ":9100                | no address",
        "admin.example:9100   | a host name other than localhost",
        "LOCALHOST:9100       | a host name other than localhost",
        "127.0.0.1:0          | port 0 is out of range",
        "127.0.0.1:65536      | port 65536 is out of range",
        "127.0.0.1:http       | the port is not a decimal integer",
        "127.0.0.1:09100      | the port is not a decimal integer",
        "224.0.0.1:9100       | multicast, 224.0.0.0/4",
        "255.255.255.255:9100 | the limited broadcast address",
        "127.0.0.01:9100      | an octet has a leading zero",
        "[::1]:9100           | not four decimal octets separated by dots",
    })
    void refusesOtherListenAddresses(String listen, String why) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("admin.yaml",
                "interface: eth0\n" + MINIMAL_CLUSTERS + "admin:\n  listen: \"" + listen + "\"\n"));
        assertEquals(List.of("admin.listen"), e.errors().stream().map(ConfigError::field).toList());
        assertTrue(e.errors().getFirst().message().endsWith("(" + why + ")"), e.errors().getFirst().message());
    }

    @Test
    void anchorsQuotingAndEmptySectionsAreAccepted() throws Exception {
        DispatcherConfig config = ConfigLoader.load(TestFiles.resource("good/aliases.yaml"));

        List<PortConfig> ports = config.clusters().getFirst().ports();
        assertEquals(80, ports.get(0).port());
        assertEquals(443, ports.get(1).port());
        assertEquals(ports.get(0).servers(), ports.get(1).servers());
        assertEquals(2, ports.get(0).servers().getFirst().weight());
        assertEquals(List.of(new ServerConfig(Ipv4.parse("198.18.0.13"), 5, ServerConfig.NO_MAC),
                new ServerConfig(Ipv4.parse("198.18.0.14"), 5, ServerConfig.NO_MAC)), ports.get(2).servers());
        assertEquals(ArpConfig.DEFAULTS, config.arp());
        assertEquals(FlowTableConfig.DEFAULTS, config.flowTable());
    }

    @Test
    void everyServerDrainingIsAllowed() throws Exception {
        DispatcherConfig config = ConfigLoader.parse("drain.yaml", """
                interface: eth0
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        servers:
                          - address: 198.18.0.11
                            weight: 0
                          - address: 198.18.0.12
                            weight: 0
                """);
        assertTrue(config.clusters().getFirst().ports().getFirst().servers().stream().allMatch(s -> s.weight() == 0));
    }

    @Test
    void oneServerMayServeSeveralPortsAndClusters() throws Exception {
        DispatcherConfig config = ConfigLoader.parse("shared.yaml", """
                interface: eth0
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        servers: [{address: 198.18.0.11, mac: 02:00:00:00:00:11}]
                      - port: 80
                        protocol: udp
                        servers: [{address: 198.18.0.11}]
                  - address: 198.18.0.101
                    ports:
                      - port: 80
                        servers: [{address: 198.18.0.11, mac: 02:00:00:00:00:11}]
                """);
        assertTrue(config.clusters().stream().flatMap(c -> c.ports().stream()).flatMap(p -> p.servers().stream())
                .allMatch(s -> s.mac() == 0x020000000011L));
    }

    @Test
    void windowsLineEndingsAndByteOrderMarkAreRead() throws Exception {
        String yaml = "\uFEFFinterface: eth0\r\n" + MINIMAL_CLUSTERS.replace("\n", "\r\n");
        assertEquals("eth0", ConfigLoader.parse("crlf.yaml", yaml).interfaceName());
    }

    @Test
    void loadNamesTheFileAsGiven(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("lab.yaml");
        Files.writeString(file, "interface: eth0\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));

        assertEquals(List.of(new ConfigError(file.toString(), 1, 1, "clusters", "required key is missing")),
                e.errors());
        assertEquals(file + ":1:1: clusters: required key is missing", e.getMessage());
    }

    @Test
    void missingFileIsOneErrorAtLineZero(@TempDir Path dir) {
        Path file = dir.resolve("absent.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(List.of(new ConfigError(file.toString(), 0, 0, "(file)", "cannot read the file: no such file")),
                e.errors());
    }

    @Test
    void directoryIsOneErrorAtLineZero(@TempDir Path dir) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(dir));
        assertEquals(List.of(new ConfigError(dir.toString(), 0, 0, "(file)", "is a directory, expected a YAML file")),
                e.errors());
    }

    @Test
    void nonUtf8FileIsOneErrorAtLineZero(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xE9, '\n'});
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(List.of(new ConfigError(file.toString(), 0, 0, "(file)",
                "cannot read the file: it is not UTF-8 text")), e.errors());
    }

    @Test
    void controlCharacterIsASyntaxErrorAtItsPosition() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("ctl.yaml", "interface: eth0\nclusters: \u0007\n"));
        assertEquals("ctl.yaml:2:11: (yaml): character U+0007 is not allowed in YAML;"
                + " write it escaped in a double-quoted string", e.getMessage());
    }

    @Test
    void aliasBombIsRefusedBeforeItExpands() {
        StringBuilder yaml = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for (char c = 'b'; c <= 'j'; c++) {
            String previous = "*" + (char) (c - 1);
            yaml.append(c).append(": &").append(c).append(" [").append(String.join(", ",
                    Collections.nCopies(9, previous))).append("]\n");
        }
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("bomb.yaml", yaml.toString()));
        assertEquals(1, e.errors().size());
        assertEquals("(yaml)", e.errors().getFirst().field());
    }

    @Test
    void documentWithOnlyAStartMarkerIsEmpty() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("dash.yaml", "---\n"));
        assertEquals("dash.yaml:2:1: (document): the document is empty;"
                + " expected a mapping with at least interface and clusters", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"eth0", "enp0s31f6", "br-lab.100", "veth_dsp", "abcdefghijklmno"})
    void acceptsKernelInterfaceNames(String name) throws Exception {
        assertEquals(name, ConfigLoader.parse("if.yaml", "interface: " + name + "\n" + MINIMAL_CLUSTERS)
                .interfaceName());
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"\", empty", "abcdefghijklmnop, 16 bytes", "eth0/1, contains \"/\"",
        "eth0:1, contains \":\"", "'eth 0', contains whitespace", "'.', reserved name", "'..', reserved name",
        "ééééééééé, 18 bytes"})
    void refusesWhatTheKernelRefuses(String caseText) {
        int comma = caseText.lastIndexOf(", ");
        String yamlValue = caseText.substring(0, comma);
        String why = caseText.substring(comma + 2);
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("if.yaml", "interface: " + yamlValue + "\n" + MINIMAL_CLUSTERS));
        assertEquals(1, e.errors().size());
        ConfigError error = e.errors().getFirst();
        assertEquals("interface", error.field());
        assertTrue(error.message().endsWith("(" + why + ")"), error.message());
    }

    @Test
    void errorsComeInFileOrderEvenWhenCrossChecksFindThemLater() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("order.yaml", """
                interface: eth0
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        servers:
                          - address: 198.18.0.101
                  - address: 198.18.0.101
                    ports:
                      - port: 80
                        servers:
                          - address: 198.18.0.11
                            weight: many
                """));
        // The weight (line 13) is read before the cross-check finds the server that is a VIP (line 7).
        assertEquals(List.of(7, 13), e.errors().stream().map(ConfigError::line).toList());
    }

    @Test
    void recordsAreImmutable() throws Exception {
        DispatcherConfig config = ConfigLoader.load(TestFiles.resource("good/minimal.yaml"));
        assertThrows(UnsupportedOperationException.class, () -> config.clusters().clear());
        assertThrows(UnsupportedOperationException.class, () -> config.clusters().getFirst().ports().clear());
        assertThrows(UnsupportedOperationException.class,
                () -> config.clusters().getFirst().ports().getFirst().servers().clear());
    }

    @Test
    void recordsPrintAddressesReadably() {
        assertEquals("ServerConfig[address=198.18.0.11, weight=3, mac=02:00:00:00:00:11]",
                new ServerConfig(0xC612000B, 3, 0x020000000011L).toString());
        assertEquals("ServerConfig[address=198.18.0.12, weight=1, mac=arp]",
                new ServerConfig(0xC612000C, 1, ServerConfig.NO_MAC).toString());
        assertEquals("ClusterConfig[address=198.18.0.100, ports=[]]",
                new ClusterConfig(0xC6120064, List.of()).toString());
    }

    @Test
    void configErrorPrintsLikeACompiler() {
        assertEquals("lab.yaml:12:21: clusters[0].ports[0].servers[1].weight: must be an integer from 0 to 10000,"
                + " found \"-3\"", new ConfigError("lab.yaml", 12, 21, "clusters[0].ports[0].servers[1].weight",
                "must be an integer from 0 to 10000, found \"-3\"").toString());
    }

    @Test
    void configExceptionNeedsAnError() {
        assertThrows(IllegalArgumentException.class, () -> new ConfigException(List.of()));
    }

    @Test
    void enumsKnowTheirConfigNamesAndNumbers() {
        assertEquals(6, Protocol.TCP.ipProtocol);
        assertEquals(17, Protocol.UDP.ipProtocol);
        assertEquals("udp", Protocol.UDP.configName());
        assertEquals("busy-spin", WaitStrategyName.BUSY_SPIN.configName());
        assertEquals("pcap4j", IoBackend.PCAP4J.configName());
        assertEquals("afpacket", IoBackend.AFPACKET.configName());
        assertEquals("inline", PipelineMode.INLINE.configName());
        assertEquals("fanout", PipelineMode.FANOUT.configName());
    }

    @Test
    void autoModeIsInlineUpToTwoCores() {
        assertEquals(PipelineMode.INLINE, PipelineMode.AUTO.resolve(1));
        assertEquals(PipelineMode.INLINE, PipelineMode.AUTO.resolve(2));
        assertEquals(PipelineMode.RING, PipelineMode.AUTO.resolve(3));
        assertEquals(PipelineMode.INLINE, PipelineMode.INLINE.resolve(64));
        assertEquals(PipelineMode.RING, PipelineMode.RING.resolve(1));
        assertEquals(PipelineMode.FANOUT, PipelineMode.FANOUT.resolve(1));
        for (int cores = 1; cores <= 256; cores++) {
            assertNotEquals(PipelineMode.FANOUT, PipelineMode.AUTO.resolve(cores), "auto never picks fanout");
        }
    }
}
