package dev.dispatcher.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SuggestionsTest {
    @Test
    void swapOfNeighboursIsOneEdit() {
        assertEquals(1, Suggestions.distance("wieght", "weight"));
        assertEquals(3, Suggestions.distance("kitten", "sitting"));
        assertEquals(3, Suggestions.distance("", "abc"));
    }

    @Test
    void suggestsTheClosestKeyWithinTwoEdits() {
        List<String> keys = List.of("address", "weight", "mac");
        assertEquals(Optional.of("weight"), Suggestions.closest("wieght", keys));
        assertEquals(Optional.of("weight"), Suggestions.closest("Weight", keys));
        assertEquals(Optional.of("address"), Suggestions.closest("adress", keys));
        assertEquals(Optional.of("address"), Suggestions.closest("adresss", keys));
        assertEquals(Optional.empty(), Suggestions.closest("addr", keys));
        assertEquals(Optional.empty(), Suggestions.closest("colour", keys));
    }

    @Test
    void shortWordsNeedACloserMatch() {
        assertEquals(Optional.empty(), Suggestions.closest("ip", List.of("io")));
        assertEquals(Optional.empty(), Suggestions.closest("udp", List.of("tcp")));
        assertEquals(Optional.of("tcp"), Suggestions.closest("tpc", List.of("tcp", "udp")));
    }
}
