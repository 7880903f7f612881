package dev.dispatcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteSizesTest {
    @ParameterizedTest
    @CsvSource({
        "0,          0",
        "1048576,    1048576",
        "1KiB,       1024",
        "16MiB,      16777216",
        "1GiB,       1073741824",
        "8589934591GiB, 9223372035781033984",
    })
    void parsesBytesAndBinaryUnits(String text, long bytes) {
        assertEquals(bytes, ByteSizes.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "16MB", "16M", "16mib", "16 MiB", "1.5MiB", "-1", "MiB", "016MiB", "1TiB",
        "8589934592GiB", "9999999999999999999"})
    void refusesEverythingElse(String text) {
        assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse(text));
    }

    @ParameterizedTest
    @CsvSource({"16777216, 16MiB", "1073741824, 1GiB", "1536, 1536", "3072, 3KiB", "1000, 1000", "0, 0"})
    void formatsWithTheLargestExactUnit(long bytes, String text) {
        assertEquals(text, ByteSizes.format(bytes));
    }
}
