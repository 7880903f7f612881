package dev.dispatcher.admin;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin token as kept in a file (the configuration's {@code admin.token-file}). The file holds
 * the token alone (surrounding white space and a final newline are ignored) and must be readable
 * by its owner only: a token that group or others can read is no secret, so it is refused rather
 * than used. The file's modification time, size, inode and mode are checked on every call and the
 * file is read again when any of them changed, so rotating the token (or fixing its mode) needs no
 * restart. Each new problem is logged once, as a warning, not once per request.
 */
public final class TokenFile implements Supplier<AdminToken> {
    private static final Logger LOG = LoggerFactory.getLogger(TokenFile.class);
    private static final Set<PosixFilePermission> TOO_OPEN = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    /** What identifies one version of the file; null fields for a missing file. */
    private record Stamp(FileTime modified, long size, Object fileKey, Set<PosixFilePermission> permissions) {
    }

    private final Path file;
    private Stamp stamp;
    private AdminToken token;
    private String lastLogged;

    public TokenFile(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized AdminToken get() {
        Stamp now;
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, PosixFileAttributes.class);
            now = new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey(),
                    attributes.permissions());
        } catch (NoSuchFileException e) {
            return remember(new Stamp(null, -1, null, null), missing());
        } catch (IOException | UnsupportedOperationException e) {
            return remember(null, unusable("cannot check " + file + ": " + reason(e)));
        }
        if (token != null && now.equals(stamp)) {
            return token;
        }
        return remember(now, read(attributes));
    }

    private AdminToken read(PosixFileAttributes attributes) {
        if (!attributes.isRegularFile()) {
            return unusable(file + " is not a regular file; create it holding the token alone (mode 0600)");
        }
        if (attributes.permissions().stream().anyMatch(TOO_OPEN::contains)) {
            return unusable(file + " mode " + mode(attributes.permissions()) + " is too open, use 0600 (chmod 600 "
                    + file + ")");
        }
        String secret;
        try {
            secret = Files.readString(file).strip();
        } catch (NoSuchFileException e) {
            return missing();
        } catch (CharacterCodingException e) {
            return unusable(file + " is not UTF-8 text; it must hold the token alone");
        } catch (IOException e) {
            return unusable("cannot read " + file + ": " + reason(e));
        }
        if (secret.isEmpty()) {
            return unusable(file + " is empty; write the token to it (mode 0600)");
        }
        if (secret.chars().anyMatch(Character::isWhitespace)) {
            return unusable(file + " holds more than one word; it must hold the token alone");
        }
        return AdminToken.of(secret);
    }

    private AdminToken missing() {
        return unusable("create " + file + " (mode 0600)");
    }

    private static AdminToken unusable(String why) {
        return AdminToken.unusable("no admin token configured: " + why);
    }

    private AdminToken remember(Stamp newStamp, AdminToken newToken) {
        boolean rotated = token != null && token.usable() && newToken.usable() && !newStamp.equals(stamp);
        stamp = newStamp;
        token = newToken;
        String state = newToken.usable() ? "usable" : newToken.problem();
        if (!state.equals(lastLogged)) {
            if (newToken.usable()) {
                LOG.info("admin token read from {}; changes through the admin API are accepted", file);
            } else {
                LOG.warn("{}; every change through the admin API is refused until it is fixed", newToken.problem());
            }
            lastLogged = state;
        } else if (rotated) {
            LOG.info("admin token file {} changed; read it again", file);
        }
        return newToken;
    }

    /** The mode as {@code chmod} writes it, e.g. {@code 0644}. */
    static String mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("0%03o", mode);
    }

    private static String reason(Exception e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
