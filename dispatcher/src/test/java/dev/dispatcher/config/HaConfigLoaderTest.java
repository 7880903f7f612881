package dev.dispatcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The {@code ha} section and {@code ha-owner}: values, defaults and the rules across keys. */
class HaConfigLoaderTest {
    @Test
    void everyKeyIsRead() throws Exception {
        DispatcherConfig config = ConfigLoader.load(TestFiles.resource("good/ha-both.yaml"));
        assertEquals(Optional.of(new HaConfig(HaRole.BOTH, 1, 2, Ipv4.parse("198.18.0.3"), 7950,
                Duration.ofMillis(100), Duration.ofSeconds(1), Path.of("/etc/dispatcher/ha.key"), HaRecovery.MANUAL,
                List.of(Ipv4.parse("198.18.0.1"), Ipv4.parse("198.18.0.2")),
                Optional.of(Path.of("/etc/dispatcher/ha-notify")))), config.ha());
        assertEquals(List.of(HaOwner.PRIMARY, HaOwner.BACKUP),
                config.clusters().stream().map(ClusterConfig::haOwner).toList());
    }

    @Test
    void absentKeysTakeTheirDefaults() throws Exception {
        HaConfig ha = ConfigLoader.load(TestFiles.resource("good/ha-primary.yaml")).ha().orElseThrow();
        assertEquals(new HaConfig(HaRole.PRIMARY, 1, HaConfig.ANY_PEER_NODE, Ipv4.parse("198.18.0.3"), 7946,
                Duration.ofMillis(200), Duration.ofMillis(600), Path.of("/etc/dispatcher/ha.key"), HaRecovery.AUTO,
                List.of(), Optional.empty()), ha);
    }

    @Test
    void deadAfterDefaultsToThreeIntervalsOfTheGivenOne() throws Exception {
        HaConfig ha = ConfigLoader.parse("ha.yaml", withHa("heartbeat-interval: 1s")).ha().orElseThrow();
        assertEquals(Duration.ofSeconds(3), ha.deadAfter());
    }

    @Test
    void withoutTheSectionThereIsNoPair() throws Exception {
        assertEquals(Optional.empty(), ConfigLoader.load(TestFiles.resource("good/minimal.yaml")).ha());
    }

    @Test
    void deadAfterOfTwoIntervalsIsTheLeastAccepted() throws Exception {
        assertEquals(Duration.ofMillis(400), ConfigLoader.parse("ha.yaml", withHa("dead-after: 400ms"))
                .ha().orElseThrow().deadAfter());
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("ha.yaml", withHa("dead-after: 399ms")));
        assertEquals("ha.yaml:14:15: ha.dead-after: must be at least 2 heartbeat intervals (400ms), found \"399ms\"",
                e.getMessage());
    }

    private static String withHa(String extraLine) {
        return """
                interface: eth0
                clusters:
                  - address: 198.18.0.100
                    ports:
                      - port: 80
                        servers:
                          - address: 198.18.0.11
                ha:
                  role: primary
                  node-id: 1
                  peer: 198.18.0.3
                  key-file: /etc/dispatcher/ha.key
                  heartbeat-interval: 200ms
                """.replace("  heartbeat-interval: 200ms\n", extraLine.startsWith("heartbeat-interval")
                ? "  " + extraLine + "\n" : "  heartbeat-interval: 200ms\n  " + extraLine + "\n");
    }
}
