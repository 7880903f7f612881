package dev.dispatcher.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.Protocol;
import dev.dispatcher.control.api.ControlOperations;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.ServiceKey;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The named inputs of one request, from a JSON body or a query string, read with errors that name
 * the field and say what was expected ({@code weight: must be an integer from 0 to 10000, found -3}),
 * in the form the configuration loader uses.
 */
abstract sealed class Fields permits Fields.JsonFields, Fields.QueryFields {
    static final List<String> SERVER = List.of("vip", "port", "protocol", "server");
    /** A decimal integer as JSON writes it: no sign, no leading zero (is 010 ten or eight?). */
    private static final Pattern DIGITS = Pattern.compile("0|[1-9][0-9]{0,8}");

    /** "field" or "parameter". */
    abstract String noun();

    abstract Set<String> names();

    /** The text value, or null when absent; 400 when present but not text. */
    abstract String textOrNull(String name) throws HttpProblem;

    /** The integer value, or null when absent; 400 when present but not an integer in range. */
    abstract Integer integerOrNull(String name, int min, int max) throws HttpProblem;

    static Fields of(ObjectNode body) {
        return new JsonFields(body);
    }

    static Fields of(Map<String, String> query) {
        return new QueryFields(query);
    }

    /** 400 for any name not in {@code allowed}: a misspelt optional field would otherwise go unnoticed. */
    void allowOnly(List<String> allowed) throws HttpProblem {
        for (String name : names()) {
            if (!allowed.contains(name)) {
                throw HttpProblem.badRequest(name + ": unknown " + noun() + "; "
                        + (allowed.isEmpty() ? "this endpoint takes none" : "expected " + String.join(", ", allowed)));
            }
        }
    }

    String text(String name) throws HttpProblem {
        String value = textOrNull(name);
        if (value == null) {
            throw missing(name);
        }
        return value;
    }

    int integer(String name, int min, int max) throws HttpProblem {
        Integer value = integerOrNull(name, min, max);
        if (value == null) {
            throw missing(name);
        }
        return value;
    }

    /** A dotted IPv4 address, as an int. */
    int ipv4(String name) throws HttpProblem {
        return checkIpv4(name, text(name));
    }

    /** tcp or udp; tcp when absent. */
    Protocol protocol() throws HttpProblem {
        String value = textOrNull("protocol");
        if (value == null) {
            return Protocol.TCP;
        }
        for (Protocol p : Protocol.values()) {
            if (p.configName().equals(value)) {
                return p;
            }
        }
        throw invalid("protocol", "must be tcp or udp", value);
    }

    /** A MAC, or {@link ControlOperations#NO_MAC} when absent. */
    long macOrNone(String name) throws HttpProblem {
        String value = textOrNull(name);
        if (value == null) {
            return ControlOperations.NO_MAC;
        }
        try {
            return MacAddress.parse(value);
        } catch (IllegalArgumentException e) {
            throw invalid(name, e.getMessage(), value);
        }
    }

    /** One of {@code choices}. */
    String choice(String name, List<String> choices) throws HttpProblem {
        String value = text(name);
        if (!choices.contains(value)) {
            throw invalid(name, "must be one of " + String.join(", ", choices), value);
        }
        return value;
    }

    /** The server a request names: vip, port, protocol and server, parsed once, here. */
    ServerRef server() throws HttpProblem {
        int vip = ipv4("vip");
        int port = integer("port", 1, 65535);
        return new ServerRef(new ServiceKey(vip, port, protocol()), ipv4("server"));
    }

    /** An {@code IP:PORT} pair such as {@code 198.18.0.100:80}, returned as its two parts. */
    Endpoint endpoint(String name) throws HttpProblem {
        String value = text(name);
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            throw invalid(name, "expected IP:PORT such as 198.18.0.100:80", value);
        }
        String ip = value.substring(0, colon);
        String port = value.substring(colon + 1);
        int address = checkIpv4(name, ip);
        if (!DIGITS.matcher(port).matches() || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw invalid(name, "the port must be an integer from 1 to 65535", value);
        }
        return new Endpoint(address, Integer.parseInt(port));
    }

    /** An IPv4 address (as an int) and a port. */
    record Endpoint(int ip, int port) {
    }

    private int checkIpv4(String name, String value) throws HttpProblem {
        try {
            return Ipv4.parse(value);
        } catch (IllegalArgumentException e) {
            throw invalid(name, "expected a dotted IPv4 address such as 198.18.0.100 (" + e.getMessage() + ")", value);
        }
    }

    HttpProblem missing(String name) {
        return HttpProblem.badRequest(name + ": required " + noun() + " is missing");
    }

    static HttpProblem invalid(String name, String expected, String found) {
        return HttpProblem.badRequest(name + ": " + expected + ", found \"" + found + "\"");
    }

    static final class JsonFields extends Fields {
        private final ObjectNode body;

        JsonFields(ObjectNode body) {
            this.body = body;
        }

        @Override
        String noun() {
            return "field";
        }

        @Override
        Set<String> names() {
            Set<String> names = new LinkedHashSet<>();
            body.fieldNames().forEachRemaining(names::add);
            return names;
        }

        /** The value, or null when the field is absent; an explicit null is a value, and a wrong one. */
        private JsonNode node(String name) {
            return body.get(name);
        }

        @Override
        String textOrNull(String name) throws HttpProblem {
            JsonNode node = node(name);
            if (node == null) {
                return null;
            }
            if (!node.isTextual()) {
                throw HttpProblem.badRequest(name + ": must be a string, found "
                        + (node.isNull() ? "null" : Json.kind(node) + " " + node));
            }
            return node.textValue();
        }

        @Override
        Integer integerOrNull(String name, int min, int max) throws HttpProblem {
            JsonNode node = node(name);
            if (node == null) {
                return null;
            }
            if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < min || node.intValue() > max) {
                throw HttpProblem.badRequest(name + ": must be an integer from " + min + " to " + max + ", found "
                        + node);
            }
            return node.intValue();
        }
    }

    static final class QueryFields extends Fields {
        private final Map<String, String> query;

        QueryFields(Map<String, String> query) {
            this.query = query;
        }

        @Override
        String noun() {
            return "parameter";
        }

        @Override
        Set<String> names() {
            return query.keySet();
        }

        /** The value, or null when the parameter is absent; {@code name=} gives "", refused as invalid. */
        @Override
        String textOrNull(String name) {
            return query.get(name);
        }

        @Override
        Integer integerOrNull(String name, int min, int max) throws HttpProblem {
            String value = textOrNull(name);
            if (value == null) {
                return null;
            }
            if (!DIGITS.matcher(value).matches() || Integer.parseInt(value) < min || Integer.parseInt(value) > max) {
                throw invalid(name, "must be an integer from " + min + " to " + max, value);
            }
            return Integer.parseInt(value);
        }
    }

    /** All allowed names: the server's four and {@code more}. */
    static List<String> serverAnd(String... more) {
        List<String> all = new ArrayList<>(SERVER);
        all.addAll(List.of(more));
        return all;
    }
}
