package dev.dispatcher.realserver.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesNestedValuesWithTheTypesCallersExpect() {
        Object parsed = Json.parse(
                " {\"a\": [1, -2, 4294967295, 1.5e1], \"b\": {\"c\": true, \"d\": null}, \"e\": \"x\\\"\\u00e9\\n\"} ");
        Map<String, Object> map = JsonFields.object(parsed, "doc");
        assertEquals(List.of(1L, -2L, 4294967295L, 15.0), map.get("a"));
        assertEquals(Boolean.TRUE, JsonFields.object(map.get("b"), "b").get("c"));
        assertTrue(JsonFields.object(map.get("b"), "b").containsKey("d"));
        assertEquals("x\"é\n", map.get("e"));
    }

    @Test
    void writtenJsonParsesBackToTheSameValue() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("text", "tab\tquote\" backslash\\ ctrl\u0001");
        value.put("list", List.of(1L, "two", false));
        value.put("empty", Map.of());
        value.put("none", null);
        assertEquals(value, Json.parse(Json.write(value)));
        assertEquals(value, Json.parse(Json.writeCompact(value)));
        assertEquals(-1, Json.writeCompact(value).indexOf('\n'), "compact output is one line");
    }

    @Test
    void rejectsMalformedAndTruncatedInput() {
        for (String bad : List.of("", "{", "[1,]", "{\"a\" 1}", "[1] x", "\"unterminated", "tru", "{\"a\":01x}")) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void deepNestingIsRefusedInsteadOfOverflowingTheStack() {
        for (String deep : List.of("[".repeat(100_000), "{\"a\":".repeat(100_000),
                "[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1))) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> Json.parse(deep));
            assertTrue(ex.getMessage().contains("nested deeper than " + Json.MAX_DEPTH), ex.getMessage());
        }
        String deepest = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        assertEquals(deepest, Json.writeCompact(Json.parse(deepest)), "the limit itself is allowed");
    }

    @Test
    void errorsAreOneLineWithTheirPosition() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Json.parse("{\n  \"a\": [1,\n  }"));
        assertTrue(ex.getMessage().startsWith("invalid JSON at line 3, column 3: "), ex.getMessage());
        assertEquals(-1, ex.getMessage().indexOf('\n'), ex.getMessage());
    }
}
