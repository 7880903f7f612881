package dev.dispatcher.realserver.files;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;

/**
 * Reads, replaces, links and deletes one file the way a root process must in a directory where
 * someone may have planted a symbolic link:
 *
 * <ul>
 *   <li>no final symlink is followed: opens use {@code O_NOFOLLOW}, and a rename replaces a link
 *       itself, never its target;
 *   <li>a temporary file is created exclusively ({@code O_CREAT|O_EXCL}) under an unpredictable
 *       name, so no file or link planted in advance can be it;
 *   <li>a replaced file is the old one or the new one after a crash, never half of either:
 *       written, fsynced, renamed over the old one, and the directory fsynced so the rename lasts.
 * </ul>
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Everything written here is read by non-root commands (status, check, systemd). */
    private static final FileAttribute<Set<PosixFilePermission>> READABLE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));
    private static final int NAME_ATTEMPTS = 16;

    private AtomicFiles() {}

    /** What is at {@code path} without following a final symlink; {@code null} when nothing is. */
    public static BasicFileAttributes lstat(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException ex) {
            return null;
        }
    }

    /**
     * Reads a regular file through {@code O_NOFOLLOW}, at most {@code limit} bytes; {@code null}
     * when it holds more. Callers check with {@link #lstat} first that it is a regular file: opening
     * a FIFO would block.
     */
    public static byte[] read(Path file, int limit) throws IOException {
        try (InputStream in = Channels.newInputStream(Files.newByteChannel(file, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS))) {
            byte[] bytes = in.readNBytes(limit + 1);
            return bytes.length > limit ? null : bytes;
        }
    }

    /** Replaces (or creates) {@code file} with {@code content}, mode 0644. */
    public static void replace(Path file, byte[] content) throws IOException {
        Path dir = parent(file);
        Path tmp = null;
        try {
            FileChannel created = null;
            for (int attempt = 1; created == null; attempt++) {
                tmp = temporary(file);
                try {
                    created = FileChannel.open(tmp,
                            Set.<OpenOption>of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                            LinkOption.NOFOLLOW_LINKS), READABLE);
                } catch (FileAlreadyExistsException ex) {
                    tmp = null;
                    if (attempt == NAME_ATTEMPTS) {
                        throw ex;
                    }
                }
            }
            try (FileChannel channel = created) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
        syncDirectory(dir);
    }

    /** Makes {@code link} a symbolic link to {@code target}, replacing whatever is there in one rename. */
    public static void link(Path link, Path target) throws IOException {
        Path dir = parent(link);
        Path tmp = null;
        try {
            for (int attempt = 1; tmp == null; attempt++) {
                try {
                    tmp = Files.createSymbolicLink(temporary(link), target);
                } catch (FileAlreadyExistsException ex) {
                    if (attempt == NAME_ATTEMPTS) {
                        throw ex;
                    }
                }
            }
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
        syncDirectory(dir);
    }

    /** Deletes {@code path} (a link itself, not its target), if it is there. */
    public static void delete(Path path) throws IOException {
        if (Files.deleteIfExists(path)) {
            syncDirectory(parent(path));
        }
    }

    /** A rename or unlink lasts through a crash only once the directory holding it is synced. */
    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** A hidden sibling whose name nobody can predict, so nobody can plant it. */
    private static Path temporary(Path file) {
        return file.resolveSibling("." + file.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
                + ".tmp");
    }

    private static Path parent(Path file) {
        return file.toAbsolutePath().getParent();
    }
}
