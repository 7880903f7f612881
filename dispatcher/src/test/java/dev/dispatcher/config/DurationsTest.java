package dev.dispatcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @ParameterizedTest
    @CsvSource({
        "50us,       PT0.00005S",
        "1500us,     PT0.0015S",
        "1ms,        PT0.001S",
        "250ms,      PT0.25S",
        "1500ms,     PT1.5S",
        "30s,        PT30S",
        "90s,        PT1M30S",
        "15m,        PT15M",
        "2h,         PT2H",
        "999999999h, PT999999999H",
    })
    void parsesIntegerAndUnit(String text, String iso) {
        assertEquals(Duration.parse(iso), Durations.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "0s", "0ms", "0us", "1ns", "1µs", "-5s", "+5s", "1.5s", "10", "s", "1d", "1w", "1S",
        "1M", "1min", "1sec", "30 s", " 30s", "30s ", "1h30m", "PT1S", "01s", "1000000000h", "1e3ms", "1_000ms"})
    void refusesEverythingElse(String text) {
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    }

    @ParameterizedTest
    @CsvSource({
        "PT0.25S, 250ms",
        "PT1.5S,  1500ms",
        "PT1S,    1s",
        "PT90S,   90s",
        "PT2M,    2m",
        "PT168H,  168h",
        "PT0S,    0s",
        "PT0.00005S, 50us",
        "PT0.0015S,  1500us",
        "PT0.0000001S, PT0.0000001S",
    })
    void formatsWithTheLargestExactUnit(String iso, String text) {
        assertEquals(text, Durations.format(Duration.parse(iso)));
    }

    @Test
    void formatThenParseIsIdentity() {
        for (String text : new String[] {"1us", "999us", "1001us", "1ms", "999ms", "1s", "61s", "1m", "59m", "1h",
                "25h"}) {
            assertEquals(text, Durations.format(Durations.parse(text)));
        }
    }
}
