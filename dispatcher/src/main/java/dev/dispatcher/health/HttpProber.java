package dev.dispatcher.health;

import dev.dispatcher.config.AdvisorConfig;
import dev.dispatcher.config.AdvisorType;
import dev.dispatcher.config.Ipv4;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Up when an HTTP/1.1 request to the server's own address is answered with an expected status and,
 * if the advisor asks for one, a body containing a given substring.
 *
 * <p>Written on a plain socket rather than {@link java.net.http.HttpClient}: the client forbids
 * setting {@code Host} and turning off hostname checks except through JVM-wide system properties,
 * pools connections (a probe must open its own), and bounds only the wait for the headers. Here
 * the connect timeout bounds the TCP connect, and the receive timeout is one deadline for
 * everything after it (TLS handshake, request, status line, headers and body), however slowly the
 * server trickles bytes. Each request carries {@code Connection: close}; at most
 * {@value #MAX_BODY_BYTES} bytes of body are read, and none when there is no body check.
 */
public final class HttpProber implements Prober {
    /** The most body read for the substring check; a health page is small. */
    public static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final int MAX_LINE_BYTES = 8 * 1024;
    private static final int MAX_INFORMATIONAL = 10;

    private final boolean tls;
    private final String method;
    private final String host;
    private final String path;
    private final Set<Integer> expectStatus;
    private final String bodyContains;
    private final byte[] bodyNeedle;
    private final Duration connectTimeout;
    private final Duration receiveTimeout;

    /**
     * @param tls            HTTPS when true
     * @param method         request method, e.g. GET or HEAD
     * @param host           Host header; empty means the server's address (with {@code :port} when
     *                       the port is not the scheme's default, RFC 9110 section 7.2)
     * @param path           request target, starting with {@code /}
     * @param expectStatus   statuses that mean up; empty means any 2xx or 3xx
     * @param bodyContains   substring the body must contain (compared as UTF-8 bytes); empty means
     *                       no body check
     * @param connectTimeout bound on the TCP connect
     * @param receiveTimeout bound on everything after the connect
     */
    public HttpProber(boolean tls, String method, String host, String path, List<Integer> expectStatus,
            String bodyContains, Duration connectTimeout, Duration receiveTimeout) {
        this.tls = tls;
        this.method = requireToken(method, "method");
        this.host = Objects.requireNonNull(host, "host").isEmpty() ? host : requireToken(host, "host");
        this.path = requireToken(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("path must start with /: " + path);
        }
        this.expectStatus = Set.copyOf(expectStatus);
        this.bodyContains = Objects.requireNonNull(bodyContains, "bodyContains");
        this.bodyNeedle = bodyContains.getBytes(StandardCharsets.UTF_8);
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.receiveTimeout = Objects.requireNonNull(receiveTimeout, "receiveTimeout");
    }

    /** The prober of an {@code http} or {@code https} advisor. */
    public static HttpProber forAdvisor(AdvisorConfig advisor) {
        if (advisor.type() != AdvisorType.HTTP && advisor.type() != AdvisorType.HTTPS) {
            throw new IllegalArgumentException("not an http(s) advisor: " + advisor.type());
        }
        return new HttpProber(advisor.type() == AdvisorType.HTTPS, advisor.method(), advisor.host(), advisor.path(),
                advisor.expectStatus(), advisor.bodyContains(), advisor.connectTimeout(), advisor.receiveTimeout());
    }

    @Override
    public ProbeResult probe(ProbeTarget target) {
        long start = System.nanoTime();
        try (Socket socket = new Socket()) {
            try {
                socket.connect(target.socketAddress(), ProbeFailures.timeoutMillis(connectTimeout));
            } catch (IOException e) {
                return ProbeResult.down(ProbeFailures.connectFailure(e, connectTimeout), start);
            }
            long deadline = System.nanoTime() + receiveTimeout.toNanos();
            try {
                return exchange(socket, target, deadline, start);
            } catch (SocketTimeoutException e) {
                return ProbeResult.down("receive timeout after " + ProbeFailures.timeoutMillis(receiveTimeout)
                        + " ms", start);
            } catch (IOException e) {
                return ProbeResult.down(ProbeFailures.describe(e), start);
            }
        } catch (IOException closing) {
            return ProbeResult.down(ProbeFailures.describe(closing), start);
        }
    }

    private ProbeResult exchange(Socket plain, ProbeTarget target, long deadline, long start) throws IOException {
        String hostHeader = host.isEmpty() ? defaultHost(target) : host;
        Socket socket = plain;
        plain.setTcpNoDelay(true);
        plain.setSoTimeout(remainingMillis(deadline));
        if (tls) {
            // The SNI name is the configured host, without a port; an address sends no SNI.
            String sniHost = hostHeader.replaceFirst(":\\d+$", "");
            SSLSocket secure = (SSLSocket) TrustAll.CONTEXT.getSocketFactory().createSocket(plain, sniHost,
                    target.port(), true);
            secure.startHandshake();
            socket = secure;
        }
        String request = method + " " + path + " HTTP/1.1\r\n"
                + "Host: " + hostHeader + "\r\n"
                + "User-Agent: dispatcher-advisor\r\n"
                + "Accept: */*\r\n"
                + "Connection: close\r\n\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();

        DeadlineInput in = new DeadlineInput(socket, deadline);
        Head head = readHead(in);
        if (head == null) {
            return ProbeResult.down("connection closed before an answer", start);
        }
        boolean expected = expectStatus.isEmpty() ? head.status >= 200 && head.status < 400
                : expectStatus.contains(head.status);
        String verdict = "HTTP " + head.status;
        if (!expected) {
            return ProbeResult.down(verdict, start);
        }
        if (bodyNeedle.length == 0) {
            return ProbeResult.up(verdict, start);
        }
        boolean noBody = method.equals("HEAD") || head.status == 204 || head.status == 304;
        if (noBody || !bodyHasNeedle(in, head)) {
            return ProbeResult.down("body lacks \"" + bodyContains + "\"", start);
        }
        return ProbeResult.up(verdict, start);
    }

    private String defaultHost(ProbeTarget target) {
        String address = Ipv4.format(target.serverAddress());
        int defaultPort = tls ? 443 : 80;
        return target.port() == defaultPort ? address : address + ":" + target.port();
    }

    /** Status line and the headers that frame the body; null when the server closed without a word. */
    private record Head(int status, long contentLength, boolean chunked) {
    }

    private static Head readHead(DeadlineInput in) throws IOException {
        for (int informational = 0; informational <= MAX_INFORMATIONAL; informational++) {
            String statusLine = in.readLine();
            if (statusLine == null) {
                return null;
            }
            int status = parseStatus(statusLine);
            long contentLength = -1;
            boolean chunked = false;
            int headerBytes = 0;
            while (true) {
                String line = in.readLine();
                if (line == null) {
                    throw new IOException("connection closed in the headers");
                }
                if (line.isEmpty()) {
                    break;
                }
                headerBytes += line.length();
                if (headerBytes > MAX_HEADER_BYTES) {
                    throw new IOException("headers longer than " + MAX_HEADER_BYTES + " bytes");
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = line.substring(colon + 1).trim();
                if (name.equals("content-length")) {
                    try {
                        contentLength = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("malformed Content-Length: " + value);
                    }
                } else if (name.equals("transfer-encoding")) {
                    chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
                }
            }
            // 1xx answers (100 Continue, 103 Early Hints) precede the real one; 101 has nothing after it.
            if (status >= 200 || status == 101) {
                return new Head(status, contentLength, chunked);
            }
        }
        throw new IOException("more than " + MAX_INFORMATIONAL + " informational answers");
    }

    private static int parseStatus(String line) throws IOException {
        // "HTTP/1.1 200 OK": version, space, three digits, then a space or the end.
        boolean wellFormed = line.startsWith("HTTP/1.") && line.length() >= 12 && line.charAt(8) == ' '
                && (line.length() == 12 || line.charAt(12) == ' ');
        if (wellFormed) {
            int status = 0;
            for (int i = 9; i < 12; i++) {
                char c = line.charAt(i);
                if (c < '0' || c > '9') {
                    wellFormed = false;
                    break;
                }
                status = status * 10 + (c - '0');
            }
            if (wellFormed && status >= 100) {
                return status;
            }
        }
        String shown = line.length() > 40 ? line.substring(0, 40) + "..." : line;
        throw new IOException("not an HTTP answer: \"" + shown + "\"");
    }

    /**
     * Reads up to {@link #MAX_BODY_BYTES} of the body, undoing chunked transfer coding, and stops as
     * soon as the needle is seen: a server that keeps the connection open after the body (or sends
     * an endless one) cannot turn a found substring into a timeout.
     */
    private boolean bodyHasNeedle(DeadlineInput in, Head head) throws IOException {
        Body body = new Body(bodyNeedle);
        if (head.chunked) {
            while (!body.found && body.size() < MAX_BODY_BYTES) {
                String sizeLine = in.readLine();
                if (sizeLine == null) {
                    break;
                }
                int semicolon = sizeLine.indexOf(';');
                String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim();
                long size;
                try {
                    size = Long.parseLong(hex, 16);
                } catch (NumberFormatException e) {
                    throw new IOException("malformed chunk size: " + hex);
                }
                if (size == 0) {
                    break;
                }
                long wanted = Math.min(size, MAX_BODY_BYTES - body.size());
                if (in.copy(body, wanted) < wanted) {
                    break;
                }
                if (wanted < size || in.readLine() == null) {
                    break;
                }
            }
        } else {
            long wanted = head.contentLength >= 0 ? Math.min(head.contentLength, MAX_BODY_BYTES) : MAX_BODY_BYTES;
            in.copy(body, wanted);
        }
        return body.found;
    }

    /** The body read so far, and whether it holds the needle yet. */
    private static final class Body extends ByteArrayOutputStream {
        private final byte[] needle;
        boolean found;

        Body(byte[] needle) {
            this.needle = needle;
        }

        /** Appends, then looks for the needle in the part that can have changed. */
        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            int from = Math.max(0, count - needle.length + 1);
            super.write(bytes, offset, length);
            found = found || indexOf(buf, from, count, needle) >= 0;
        }
    }

    /** Where {@code needle} first occurs in {@code haystack[from, to)}, or -1. */
    static int indexOf(byte[] haystack, int from, int to, byte[] needle) {
        outer:
        for (int i = from; i + needle.length <= to; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int remainingMillis(long deadline) throws SocketTimeoutException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            throw new SocketTimeoutException("deadline passed");
        }
        return Math.clamp((remaining + 999_999) / 1_000_000, 1, Integer.MAX_VALUE);
    }

    /**
     * A buffered reader of the socket that enforces one deadline: before each read it sets the
     * socket timeout to the time left, so a server trickling one byte at a time still cannot stretch
     * the probe beyond the receive timeout.
     */
    private static final class DeadlineInput {
        private final Socket socket;
        private final InputStream in;
        private final long deadline;
        private final byte[] buffer = new byte[8192];
        private int position;
        private int limit;

        DeadlineInput(Socket socket, long deadline) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.deadline = deadline;
        }

        private boolean fill() throws IOException {
            socket.setSoTimeout(remainingMillis(deadline));
            int n = in.read(buffer);
            if (n <= 0) {
                return false;
            }
            position = 0;
            limit = n;
            return true;
        }

        /** One line without its CRLF (or bare LF), decoded as Latin-1; null at the end of the stream. */
        String readLine() throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                if (position == limit && !fill()) {
                    return line.isEmpty() ? null : line.toString();
                }
                char c = (char) (buffer[position++] & 0xFF);
                if (c == '\n') {
                    int end = line.length();
                    if (end > 0 && line.charAt(end - 1) == '\r') {
                        line.setLength(end - 1);
                    }
                    return line.toString();
                }
                if (line.length() >= MAX_LINE_BYTES) {
                    throw new IOException("a line longer than " + MAX_LINE_BYTES + " bytes");
                }
                line.append(c);
            }
        }

        /** Copies up to {@code count} bytes; returns how many there were before the end of the stream. */
        long copy(Body to, long count) throws IOException {
            long copied = 0;
            while (copied < count && !to.found) {
                if (position == limit && !fill()) {
                    break;
                }
                int n = (int) Math.min(limit - position, count - copied);
                to.write(buffer, position, n);
                position += n;
                copied += n;
            }
            return copied;
        }
    }

    /**
     * Trusts any certificate. An advisor connects to the real server's own address, not to the name
     * clients use: the certificate names the service (and is often the one the VIP presents to
     * clients), so neither hostname nor, for internal CAs and self-signed certificates, chain checks
     * could pass. The probe asks whether the server answers correctly, not who it is; nothing secret
     * is sent, and the answer only sets a health verdict.
     */
    private static final class TrustAll extends X509ExtendedTrustManager {
        static final SSLContext CONTEXT = context();

        private static SSLContext context() {
            try {
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, new TrustManager[] {new TrustAll()}, null);
                return context;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("no TLS in this JVM", e);
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    private static String requireToken(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isEmpty() || !value.chars().allMatch(c -> c > 32 && c < 127)) {
            throw new IllegalArgumentException(what + " must be printable ASCII without spaces: " + value);
        }
        return value;
    }
}
