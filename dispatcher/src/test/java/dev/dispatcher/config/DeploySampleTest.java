package dev.dispatcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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

    /** One commented sample per feature; the package installs minimal.yaml as /etc/dispatcher/dispatcher.yaml. */
    private static final List<String> FEATURE_SAMPLES = List.of("admin.yaml", "advisors-http.yaml",
            "advisors-tcp-script.yaml", "fanout.yaml", "high-availability.yaml", "low-latency.yaml", "minimal.yaml",
            "multiple-vips.yaml", "ring-mode.yaml", "rx-blocks.yaml", "static-macs.yaml", "udp.yaml");

    @Test
    void theWalkFindsEveryFeatureSample() throws IOException {
        List<Path> found = samples().toList();
        for (String name : FEATURE_SAMPLES) {
            assertTrue(found.contains(DEPLOY.resolve("config-samples").resolve(name)), name + " in " + found);
        }
        assertTrue(found.contains(SAMPLE), SAMPLE + " in " + found);
    }

    private static Path featureSample(String name) {
        return DEPLOY.resolve("config-samples").resolve(name);
    }

    private static Stream<PortConfig> ports(DispatcherConfig config) {
        return config.clusters().stream().flatMap(c -> c.ports().stream());
    }

    private static List<AdvisorType> advisorTypes(DispatcherConfig config) {
        return ports(config).flatMap(p -> p.advisor().stream()).map(AdvisorConfig::type).toList();
    }

    @Test
    void eachFeatureSampleShowsItsFeature() {
        DispatcherConfig minimal = load(featureSample("minimal.yaml"));
        assertEquals(AdminConfig.DEFAULTS, minimal.admin(),
                "the packaged default uses the token file the package creates");
        assertTrue(ports(minimal).allMatch(p -> p.advisor().isEmpty()), "minimal: no advisors");

        assertTrue(ports(load(featureSample("static-macs.yaml"))).flatMap(p -> p.servers().stream())
                .anyMatch(ServerConfig::hasStaticMac));
        assertTrue(ports(load(featureSample("udp.yaml"))).anyMatch(p -> p.protocol() == Protocol.UDP));
        assertTrue(advisorTypes(load(featureSample("advisors-http.yaml"))).containsAll(List.of(AdvisorType.HTTP,
                AdvisorType.HTTPS)));
        assertTrue(advisorTypes(load(featureSample("advisors-tcp-script.yaml"))).containsAll(List.of(AdvisorType.TCP,
                AdvisorType.SCRIPT)));
        assertTrue(load(featureSample("multiple-vips.yaml")).clusters().size() > 1);
        assertEquals(PipelineMode.RING, load(featureSample("ring-mode.yaml")).pipeline().mode());
        DispatcherConfig fanout = load(featureSample("fanout.yaml"));
        assertEquals(PipelineMode.FANOUT, fanout.pipeline().mode());
        assertTrue(fanout.pipeline().workers() > 1, "fanout: more than one worker");
        assertEquals(IoBackend.AFPACKET, fanout.io().backend(), "fanout: says its backend, whatever the platform");
        assertEquals(RxRing.BLOCKS, load(featureSample("rx-blocks.yaml")).io().rxRing());
        assertFalse(load(featureSample("admin.yaml")).admin().equals(AdminConfig.DEFAULTS));
        assertFalse(load(featureSample("low-latency.yaml")).io().busyPoll().isZero());
    }

    /** Loads a sample; a sample that does not load fails with its path and every error line. */
    private static DispatcherConfig load(Path sample) {
        try {
            return ConfigLoader.load(sample);
        } catch (ConfigException e) {
            return fail(sample + " does not load:\n" + e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void everySampleLoadsAndStaysInTheLabRange(Path sample) {
        DispatcherConfig config = load(sample);

        Stream<Integer> vips = config.clusters().stream().map(ClusterConfig::address);
        Stream<Integer> servers = config.clusters().stream().flatMap(c -> c.ports().stream())
                .flatMap(p -> p.servers().stream()).map(ServerConfig::address);
        Stream.concat(vips, servers).forEach(address -> assertTrue((address & LAB_MASK) == LAB_NETWORK,
                sample + ": " + Ipv4.format(address) + " is outside 198.18.0.0/15"));
        String adminHost = config.admin().host();
        if (!List.of("127.0.0.1", "localhost", "0.0.0.0").contains(adminHost)) {
            assertTrue((Ipv4.parse(adminHost) & LAB_MASK) == LAB_NETWORK,
                    sample + ": admin.listen " + adminHost + " is outside 198.18.0.0/15");
        }
    }
}
