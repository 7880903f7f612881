package dev.dispatcher.admin;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The one JSON mapper of the admin API and its client. Output is indented with a final newline,
 * so {@code curl} shows it readably. Input refuses duplicate keys (a parser that keeps the last one
 * silently hides a mistake) and anything after the one value (a second object, stray text: which
 * one did the client mean?); unknown properties are ignored when reading a response, so an older
 * client still reads a newer server's answers.
 */
final class Json {
    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .defaultPrettyPrinter(prettyPrinter())
            .build();

    private Json() {
    }

    /** {@code "key": value}, one array element per line: the layout people write by hand. */
    private static DefaultPrettyPrinter prettyPrinter() {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withArrayEmptySeparator("")
                .withObjectEmptySeparator(""));
        printer.indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
        return printer;
    }

    static byte[] write(Object value) {
        try {
            byte[] json = MAPPER.writeValueAsBytes(value);
            byte[] line = Arrays.copyOf(json, json.length + 1);
            line[json.length] = '\n';
            return line;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /**
     * The request body as a JSON object; 400 with the position and the problem otherwise. The body
     * must be UTF-8: decoded strictly here, because Jackson would take UTF-16 and UTF-32 as well.
     */
    static ObjectNode readObject(byte[] body) throws HttpProblem {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body))
                    .toString();
        } catch (CharacterCodingException e) {
            throw HttpProblem.badRequest("request body: not UTF-8 (" + e.getMessage() + ")");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JacksonException e) {
            throw HttpProblem.badRequest("malformed JSON" + at(e.getLocation()) + ": "
                    + firstLine(e.getOriginalMessage()));
        }
        if (node == null || node.isMissingNode()) {
            throw HttpProblem.badRequest("request body: expected a JSON object, found nothing");
        }
        if (!(node instanceof ObjectNode object)) {
            throw HttpProblem.badRequest("request body: expected a JSON object, found " + kind(node));
        }
        keepSignedZeros(text, object);
        return object;
    }

    /**
     * JSON allows {@code -0}, and the tree reads it as 0: a weight of {@code -0} would be applied
     * as 0, where the configuration file refuses the sign. Such a field keeps its text instead, so
     * the field's own check refuses it as not an integer and says what it found.
     */
    private static void keepSignedZeros(String text, ObjectNode object) throws HttpProblem {
        try (JsonParser parser = MAPPER.createParser(text)) {
            int depth = 0;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token.isStructStart()) {
                    depth++;
                } else if (token.isStructEnd()) {
                    depth--;
                } else if (token == JsonToken.VALUE_NUMBER_INT && parser.getText().equals("-0")) {
                    // By its text: JSON has no leading zeros, and no number is read (one too large for
                    // an int is the field's own error).
                    if (depth != 1) {
                        // Inside an array or object: no field check will see it, so refuse it here,
                        // named by its place (an array element has no name of its own).
                        throw HttpProblem.badRequest(parser.getParsingContext().pathAsPointer()
                                + ": must not be signed, found " + parser.getText());
                    }
                    object.set(parser.currentName(), TextNode.valueOf(parser.getText()));
                }
            }
        } catch (IOException e) {
            // The same text was just read as a tree: it cannot fail to tokenise now.
            throw new UncheckedIOException(e);
        }
    }

    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static String at(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    static String firstLine(String text) {
        if (text == null) {
            return "unreadable";
        }
        int end = text.indexOf('\n');
        return (end < 0 ? text : text.substring(0, end)).strip();
    }
}
