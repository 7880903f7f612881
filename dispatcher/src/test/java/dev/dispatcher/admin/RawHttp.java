package dev.dispatcher.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, for what {@link Http} cannot send: half-sent requests, oversized
 * headers, bodies that never arrive. Requests are written as given, byte for byte.
 */
final class RawHttp {
    private RawHttp() {
    }

    /** A connection to the admin server on 127.0.0.1 with reads bounded by {@code readTimeoutMillis}. */
    static Socket connect(int port, int readTimeoutMillis) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(readTimeoutMillis);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /**
     * Sends {@code request} on a new connection and returns everything the server sends until it
     * closes; a read that waits longer than {@code readTimeoutMillis} fails the call.
     */
    static String exchange(int port, String request, int readTimeoutMillis) throws IOException {
        try (Socket socket = connect(port, readTimeoutMillis)) {
            write(socket, request);
            return readUntilClosed(socket);
        }
    }

    /** Everything until the server closes the connection (a reset counts as closed). */
    static String readUntilClosed(Socket socket) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new SocketTimeoutException("no end of the answer within " + socket.getSoTimeout()
                    + " ms; got so far: " + all.toString(StandardCharsets.ISO_8859_1));
        } catch (SocketException e) {
            // reset by the server: closed
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }

    /** The status code of a raw response, e.g. 200 for {@code HTTP/1.1 200 OK}. */
    static int status(String response) {
        if (!response.startsWith("HTTP/1.1 ") || response.length() < 12) {
            throw new AssertionError("not an HTTP/1.1 response: \"" + response + "\"");
        }
        return Integer.parseInt(response.substring(9, 12));
    }

    /** The body of a raw response (after the blank line). */
    static String body(String response) {
        int end = response.indexOf("\r\n\r\n");
        return end < 0 ? "" : response.substring(end + 4);
    }

    /** A header value of a raw response, or null; the name is matched ignoring case. */
    static String header(String response, String name) {
        int end = response.indexOf("\r\n\r\n");
        for (String line : response.substring(0, end < 0 ? response.length() : end).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        return null;
    }
}
