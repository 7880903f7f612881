package dev.dispatcher.realserver.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON for {@code ip -json} output, the state file and {@code check --json}, on jackson-core's
 * streaming parser and generator: tokens, escapes and numbers are a fuzzed library's job, and its
 * {@link StreamReadConstraints} bound what a hostile document can cost.
 *
 * <p>Values map to {@link Map} (insertion-ordered), {@link List}, {@link String}, {@link Long} or
 * {@link Double}, {@link Boolean} and {@code null}, which {@link JsonFields} reads with messages
 * that name the field.
 */
public final class Json {
    /**
     * Deepest nesting accepted. The state file nests 3 levels and {@code ip -json addr} 4; the
     * bound keeps the tree building below, which recurses once per level, far from the stack's end.
     */
    public static final int MAX_DEPTH = 32;
    /** Longest document accepted, in chars: far above {@code ip -json addr} of thousands of addresses. */
    public static final long MAX_DOCUMENT_CHARS = 16L << 20;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH)
                    .maxDocumentLength(MAX_DOCUMENT_CHARS)
                    .build())
            .build();

    private Json() {}

    /**
     * Parses one JSON document; trailing non-blank text is an error, as it means truncated or mixed
     * output. Every failure is an {@link IllegalArgumentException} with a one-line message that
     * starts {@code invalid JSON at line L, column C:}.
     */
    public static Object parse(String text) {
        try (JsonParser parser = FACTORY.createParser(text)) {
            try {
                JsonToken first = parser.nextToken();
                if (first == null) {
                    throw invalid(parser.currentLocation(), "no JSON value");
                }
                Object value = value(parser, first);
                if (parser.nextToken() != null) {
                    throw invalid(parser.currentTokenLocation(), "unexpected text after the JSON value");
                }
                return value;
            } catch (JsonProcessingException ex) {
                JsonLocation where = ex.getLocation() != null ? ex.getLocation() : parser.currentLocation();
                throw invalid(where, describe(ex));
            }
        } catch (IOException ex) {
            // Reading a String has no I/O to fail; only closing the parser is left here.
            throw new UncheckedIOException(ex);
        }
    }

    /** Writes with two-space indentation, one value per line, so the state file reads and diffs well. */
    public static String write(Object value) {
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter pretty = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                        .withObjectEmptySeparator("")
                        .withArrayEmptySeparator(""));
        pretty.indentObjectsWith(indenter);
        pretty.indentArraysWith(indenter);
        return generate(value, pretty) + "\n";
    }

    /** Writes on one line, for machines reading {@code --json} output line by line. */
    public static String writeCompact(Object value) {
        return generate(value, null);
    }

    private static Object value(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                    map.put(name, value(parser, next(parser)));
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                for (JsonToken element = next(parser); element != JsonToken.END_ARRAY; element = next(parser)) {
                    list.add(value(parser, element));
                }
                yield list;
            }
            case VALUE_STRING -> parser.getText();
            // ip prints lifetimes as 4294967295; a long holds every integer it prints.
            case VALUE_NUMBER_INT -> parser.getLongValue();
            case VALUE_NUMBER_FLOAT -> parser.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw invalid(parser.currentTokenLocation(), "unexpected " + token);
        };
    }

    /** The next token; the parser itself reports a document that ends inside an object or array. */
    private static JsonToken next(JsonParser parser) throws IOException {
        JsonToken token = parser.nextToken();
        if (token == null) {
            throw invalid(parser.currentLocation(), "unexpected end of input");
        }
        return token;
    }

    private static String describe(JsonProcessingException ex) {
        if (ex instanceof StreamConstraintsException && ex.getOriginalMessage().contains("nesting depth")) {
            return "nested deeper than " + MAX_DEPTH + " levels";
        }
        return ex.getOriginalMessage();
    }

    private static IllegalArgumentException invalid(JsonLocation where, String what) {
        // The message may quote the offending token; a control character in it must not reach a terminal.
        String safe = what.replaceAll("\\p{Cntrl}", "?");
        return new IllegalArgumentException("invalid JSON at line " + where.getLineNr() + ", column "
                + where.getColumnNr() + ": " + safe);
    }

    private static String generate(Object value, DefaultPrettyPrinter pretty) {
        StringWriter out = new StringWriter();
        try (JsonGenerator generator = FACTORY.createGenerator(out)) {
            if (pretty != null) {
                generator.setPrettyPrinter(pretty);
            }
            write(generator, value);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void write(JsonGenerator out, Object value) throws IOException {
        switch (value) {
            case null -> out.writeNull();
            case String s -> out.writeString(s);
            case Boolean b -> out.writeBoolean(b);
            case Integer i -> out.writeNumber(i);
            case Long l -> out.writeNumber(l);
            case Number n -> out.writeNumber(n.doubleValue());
            case Map<?, ?> map -> {
                out.writeStartObject();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.writeFieldName(String.valueOf(e.getKey()));
                    write(out, e.getValue());
                }
                out.writeEndObject();
            }
            case List<?> list -> {
                out.writeStartArray();
                for (Object element : list) {
                    write(out, element);
                }
                out.writeEndArray();
            }
            default -> throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }
}
