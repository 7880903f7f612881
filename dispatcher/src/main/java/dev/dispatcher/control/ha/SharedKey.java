package dev.dispatcher.control.ha;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.util.EnumSet;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret the two nodes of a pair sign their messages with ({@code ha.key-file}): the file's
 * text, trimmed, at least {@value #MIN_BYTES} bytes. The file must be a regular file that only its
 * owner may read or write (mode 0600 or stricter): a key that other local users can read
 * authenticates nothing.
 */
public final class SharedKey {
    public static final int MIN_BYTES = 16;
    /** A key file is a line or a few; anything larger is not a key file. */
    static final long MAX_FILE_BYTES = 4096;

    private final byte[] bytes;

    private SharedKey(byte[] bytes) {
        this.bytes = bytes;
    }

    /** A key from its text (trimmed); for tests and for callers that read the file themselves. */
    public static SharedKey of(String text) {
        byte[] b = text.strip().getBytes(StandardCharsets.UTF_8);
        if (b.length < MIN_BYTES) {
            throw new IllegalArgumentException("the key is " + b.length + " bytes after trimming; at least "
                    + MIN_BYTES + " are needed");
        }
        return new SharedKey(b);
    }

    /**
     * Reads and checks the key file; the exception's message names the file and what is wrong
     * with it (missing, not a regular file, readable by others, too short).
     */
    public static SharedKey read(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException(file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file");
        }
        Set<PosixFilePermission> open = EnumSet.copyOf(Files.getPosixFilePermissions(file));
        open.retainAll(EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_EXECUTE));
        if (!open.isEmpty()) {
            throw new IOException(file + ": mode gives " + open + " to others than the owner; make it 0600"
                    + " (chmod 600 " + file + ")");
        }
        if (Files.size(file) > MAX_FILE_BYTES) {
            throw new IOException(file + ": " + Files.size(file) + " bytes is no key file (at most "
                    + MAX_FILE_BYTES + ")");
        }
        try {
            return of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    byte[] bytes() {
        return bytes.clone();
    }

    /** A new HMAC-SHA256 under this key (one per thread: a Mac is not thread-safe). */
    public Mac hmac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(bytes, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /** Never the key itself. */
    @Override
    public String toString() {
        return "SharedKey[" + bytes.length + " bytes]";
    }
}
