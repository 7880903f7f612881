package dev.dispatcher.health;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLException;

/** Short, stable reasons for the ways a probe fails: what status pages and logs show. */
final class ProbeFailures {
    private ProbeFailures() {
    }

    /** A timeout as socket options take it: whole milliseconds, at least 1 (0 would mean forever). */
    static int timeoutMillis(Duration timeout) {
        return Math.clamp(timeout.toMillis(), 1, Integer.MAX_VALUE);
    }

    static String connectFailure(IOException e, Duration connectTimeout) {
        if (e instanceof SocketTimeoutException) {
            return "connect timeout after " + timeoutMillis(connectTimeout) + " ms";
        }
        return describe(e);
    }

    static String describe(IOException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        String lower = message.toLowerCase(Locale.ROOT);
        if (e instanceof ConnectException && lower.contains("refused")) {
            return "connection refused";
        }
        if (e instanceof NoRouteToHostException) {
            return "no route to host";
        }
        if (lower.contains("connection reset")) {
            return "connection reset";
        }
        if (e instanceof EOFException) {
            return "connection closed early";
        }
        String text = message.isEmpty() ? e.getClass().getSimpleName() : decapitalize(message);
        return e instanceof SSLException ? "TLS: " + text : text;
    }

    /** "Connection timed out" reads as "connection timed out" after a colon; "TLS" stays. */
    private static String decapitalize(String message) {
        boolean word = message.length() > 1 && Character.isUpperCase(message.charAt(0))
                && Character.isLowerCase(message.charAt(1));
        return word ? Character.toLowerCase(message.charAt(0)) + message.substring(1) : message;
    }
}
