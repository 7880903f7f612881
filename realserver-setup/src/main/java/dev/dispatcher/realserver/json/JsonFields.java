package dev.dispatcher.realserver.json;

import java.util.List;
import java.util.Map;

/**
 * Typed reads from a parsed JSON object, each failing with a message that names the field, so a
 * hand-edited state file or an unexpected {@code ip} version gives one clear line instead of a
 * ClassCastException.
 */
public final class JsonFields {
    private JsonFields() {}

    public static Map<String, Object> object(Object value, String what) {
        if (value instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> typed = (Map<String, Object>) map;
            return typed;
        }
        throw new IllegalArgumentException(what + " is not a JSON object");
    }

    public static List<Object> list(Object value, String what) {
        if (value instanceof List<?> list) {
            @SuppressWarnings("unchecked")
            List<Object> typed = (List<Object>) list;
            return typed;
        }
        throw new IllegalArgumentException(what + " is not a JSON array");
    }

    public static List<Object> list(Map<String, Object> map, String key) {
        Object value = map.get(key);
        return value == null ? List.of() : list(value, "field '" + key + "'");
    }

    public static String string(Map<String, Object> map, String key) {
        Object value = map.get(key);
        if (value instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("field '" + key + "' is missing or not a string");
    }

    public static String optionalString(Map<String, Object> map, String key) {
        Object value = map.get(key);
        return value instanceof String s ? s : null;
    }

    public static long number(Map<String, Object> map, String key) {
        Object value = map.get(key);
        if (value instanceof Long l) {
            return l;
        }
        throw new IllegalArgumentException("field '" + key + "' is missing or not an integer");
    }

    /** An integer field within {@code min..max}, checked before any narrowing cast could wrap it into range. */
    public static int integer(Map<String, Object> map, String key, int min, int max) {
        long value = number(map, key);
        if (value < min || value > max) {
            throw new IllegalArgumentException("field '" + key + "' is " + value + ", outside " + min + "-" + max);
        }
        return (int) value;
    }

    public static boolean bool(Map<String, Object> map, String key) {
        return Boolean.TRUE.equals(map.get(key));
    }
}
