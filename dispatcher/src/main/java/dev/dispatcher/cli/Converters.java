package dev.dispatcher.cli;

import dev.dispatcher.config.Durations;
import dev.dispatcher.config.Ipv4;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Option values of the admin commands, checked when the command line is parsed, so a typo is a
 * usage error (exit 2) that names the option before anything is sent.
 */
final class Converters {
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

    private Converters() {
    }

    /** A host and a port. */
    record HostPort(String host, int port) {
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** {@code HOST:PORT} where the host is a name, an IPv4 address or a bracketed IPv6 address. */
    static final class AdminAddress implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0) {
                throw new TypeConversionException("expected HOST:PORT such as 127.0.0.1:9100, found \"" + value + "\"");
            }
            String host = value.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new TypeConversionException("write an IPv6 address in brackets, e.g. [::1]:9100, found \""
                        + value + "\"");
            }
            return new HostPort(host, port(value, value.substring(colon + 1)));
        }
    }

    /** {@code IP:PORT} with a strict dotted IPv4 address, e.g. {@code 198.18.0.100:80}. */
    static final class Ipv4Port implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            int colon = value.lastIndexOf(':');
            if (colon < 0) {
                throw new TypeConversionException("expected IP:PORT such as 198.18.0.100:80, found \"" + value + "\"");
            }
            String ip = value.substring(0, colon);
            checkIpv4(ip, value);
            return new HostPort(ip, port(value, value.substring(colon + 1)));
        }
    }

    /** A strict dotted IPv4 address. */
    static final class Ipv4Address implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            checkIpv4(value, value);
            return value;
        }
    }

    /** tcp or udp. */
    static final class Protocol implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!value.equals("tcp") && !value.equals("udp")) {
                throw new TypeConversionException("expected tcp or udp, found \"" + value + "\"");
            }
            return value;
        }
    }

    /** Completion candidates (and the help's list) for {@link Protocol}. */
    static final class Protocols implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of("tcp", "udp").iterator();
        }
    }

    /** A duration as the configuration writes it: {@code 500ms}, {@code 30s}, {@code 5m}. */
    static final class DurationText implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage() + " (e.g. 30s or 5m), found \"" + value + "\"");
            }
        }
    }

    private static void checkIpv4(String ip, String value) {
        try {
            Ipv4.parse(ip);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("expected a dotted IPv4 address such as 198.18.0.100 (" + e.getMessage()
                    + "), found \"" + value + "\"");
        }
    }

    private static int port(String value, String port) {
        if (!PORT.matcher(port).matches() || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new TypeConversionException("the port must be an integer from 1 to 65535, found \"" + value + "\"");
        }
        return Integer.parseInt(port);
    }
}
