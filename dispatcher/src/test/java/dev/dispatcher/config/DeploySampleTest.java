package dev.dispatcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Every sample configuration under deploy/ (every .yaml file outside deploy/grafana/) is loaded by
 * a test (house style). Maven runs the tests with the dispatcher module as working directory, so
 * deploy/ is {@code ../deploy}.
 */
class DeploySampleTest {
    private static final Path DEPLOY = Path.of("../deploy");
    private static final Path SAMPLE = DEPLOY.resolve("dispatcher.yaml");
    /** The only addresses any sample may use: 198.18.0.0/15, the benchmarking range (RFC 2544). */
    private static final int LAB_NETWORK = Ipv4.parse("198.18.0.0");
    private static final int LAB_MASK = -1 << 17;

    @Test
    void sampleIsValidAndDescribesTheLab() throws ConfigException {
        DispatcherConfig config = ConfigLoader.load(SAMPLE);

        // deploy/lab/lab.sh: the dispatcher's eth0; VIP 198.18.0.100; rs1..rs3 at .11-.13, weights 3:2:1.
        assertEquals("eth0", config.interfaceName());
        ClusterConfig web = config.clusters().getFirst();
        assertEquals("198.18.0.100", Ipv4.format(web.address()));
        PortConfig http = web.ports().getFirst();
        assertEquals(80, http.port());
        assertEquals(Protocol.TCP, http.protocol());
        assertEquals(List.of("198.18.0.11", "198.18.0.12", "198.18.0.13"),
                http.servers().stream().map(s -> Ipv4.format(s.address())).toList());
        assertEquals(List.of(3, 2, 1), http.servers().stream().map(ServerConfig::weight).toList());
        assertFalse(http.servers().get(0).hasStaticMac());
        assertFalse(http.servers().get(1).hasStaticMac());
        assertEquals("02:00:00:00:00:13", MacAddress.format(http.servers().get(2).mac()), "lab.sh's MAC of rs3");

        // deploy/lab/LabServer.java answers GET / with 200 on port 80.
        assertEquals(ServerDownPolicy.KEEP, http.onServerDown());
        AdvisorConfig advisor = http.advisor().orElseThrow();
        assertEquals(AdvisorType.HTTP, advisor.type());
        assertEquals(80, advisor.port());
        assertEquals("GET", advisor.method());
        assertEquals("/", advisor.path());
        assertEquals(List.of(200), advisor.expectStatus());
        assertEquals(AdminConfig.DEFAULTS, config.admin());
    }

    static Stream<Path> samples() throws IOException {
        try (Stream<Path> files = Files.walk(DEPLOY)) {
            // deploy/grafana/ holds Grafana's provisioning files (checked by monitoring.DashboardTest).
            return files.filter(p -> p.toString().endsWith(".yaml") && !p.startsWith(DEPLOY.resolve("grafana")))
                    .sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void everySampleLoadsAndStaysInTheLabRange(Path sample) throws ConfigException {
        DispatcherConfig config = ConfigLoader.load(sample);

        Stream<Integer> vips = config.clusters().stream().map(ClusterConfig::address);
        Stream<Integer> servers = config.clusters().stream().flatMap(c -> c.ports().stream())
                .flatMap(p -> p.servers().stream()).map(ServerConfig::address);
        Stream.concat(vips, servers).forEach(address -> assertTrue((address & LAB_MASK) == LAB_NETWORK,
                sample + ": " + Ipv4.format(address) + " is outside 198.18.0.0/15"));
    }
}
