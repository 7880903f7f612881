package dev.dispatcher.realserver.state;

import dev.dispatcher.realserver.files.AtomicFiles;
import dev.dispatcher.realserver.files.TrustedDirectory;
import dev.dispatcher.realserver.json.Json;
import dev.dispatcher.realserver.kernel.SetupException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * The state file, {@code state.json} in the state directory (default
 * {@code /var/lib/realserver-setup}; one directory per real server when several share a host).
 *
 * <p>What it records decides what {@code remove} deletes and restores, so the directory must be
 * one only root can change ({@link TrustedDirectory}: no symlink, owned by root, not writable by
 * group or others, nor any directory above it), and no file in it is read or written through a
 * symbolic link. Written atomically ({@link AtomicFiles}) so a crash never leaves half a record,
 * and changed only under a lock so two concurrent runs cannot both record "the original value".
 */
public final class StateStore {
    public static final Path DEFAULT_DIR = Path.of("/var/lib/realserver-setup");
    /** A state file larger than this is not one apply wrote (a hundred VIPs take about 20 KB). */
    static final int MAX_BYTES = 1 << 20;

    private final Path dir;
    private final TrustedDirectory trust;

    public StateStore(Path dir) {
        this(dir, TrustedDirectory.forThisProcess());
    }

    StateStore(Path dir, TrustedDirectory trust) {
        this.dir = dir.toAbsolutePath().normalize();
        this.trust = trust;
    }

    public Path file() {
        return dir.resolve("state.json");
    }

    public Optional<AppliedState> load() {
        Path file = file();
        byte[] bytes;
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty();
            }
            refuseUntrusted(trust.check(dir));
            BasicFileAttributes attributes = AtomicFiles.lstat(file);
            if (attributes == null) {
                return Optional.empty();
            }
            refuseLink(file, attributes, "the state file");
            bytes = AtomicFiles.read(file, MAX_BYTES);
        } catch (IOException ex) {
            throw new SetupException("cannot read the state file " + file + ": " + ex + "; nothing was changed", ex);
        }
        if (bytes == null) {
            throw corrupt(file, "larger than " + MAX_BYTES + " bytes, far more than apply writes", null);
        }
        try {
            return Optional.of(AppliedState.fromJson(Json.parse(new String(bytes, StandardCharsets.UTF_8))));
        } catch (IllegalArgumentException ex) {
            throw corrupt(file, ex.getMessage(), ex);
        }
    }

    /** Replaces the record; called only while {@link #lock()} is held, which checked the directory. */
    public void save(AppliedState state) throws IOException {
        AtomicFiles.replace(file(), Json.write(state.toJson()).getBytes(StandardCharsets.UTF_8));
    }

    public void delete() throws IOException {
        AtomicFiles.delete(file());
    }

    /**
     * Creates the directory, checks it can be trusted, and takes an exclusive lock on {@code lock}
     * in it. Doing this before any change also proves the state can be written, so apply never
     * changes a host it cannot record.
     */
    public Lock lock() {
        Path lockFile = dir.resolve("lock");
        try {
            refuseUntrusted(trust.create(dir));
            BasicFileAttributes attributes = AtomicFiles.lstat(lockFile);
            if (attributes != null) {
                refuseLink(lockFile, attributes, "the lock file");
            }
            FileChannel channel = FileChannel.open(lockFile, Set.<OpenOption>of(StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException ex) {
                lock = null; // held by this same process
            }
            if (lock == null) {
                channel.close();
                throw new SetupException("another realserver-setup holds " + lockFile + "; nothing was changed");
            }
            return new Lock(channel, lock);
        } catch (IOException ex) {
            throw new SetupException("cannot use the state directory " + dir + ": " + ex + "; nothing was changed", ex);
        }
    }

    private void refuseUntrusted(Optional<TrustedDirectory.Problem> problem) {
        if (problem.isPresent()) {
            TrustedDirectory.Problem p = problem.get();
            String what = p.where().equals(dir)
                    ? "the state directory " + dir + " " + p.what()
                    : "the state directory " + dir + " is inside " + p.where() + ", which " + p.what();
            throw new SetupException(what
                    + ": whoever can change it can make apply and remove act on a record they wrote;"
                    + " " + p.fix() + ", or choose another --state-dir; nothing was changed");
        }
    }

    /** Only a regular file is ever read or locked here; opening a FIFO would block, a link lead anywhere. */
    private static void refuseLink(Path file, BasicFileAttributes attributes, String role) throws IOException {
        if (attributes.isSymbolicLink()) {
            throw new SetupException(role + " " + file + " is a symbolic link (to " + Files.readSymbolicLink(file)
                    + "), which realserver-setup never creates; remove it; nothing was changed");
        }
        if (!attributes.isRegularFile()) {
            throw new SetupException(role + " " + file + " is not a regular file; remove it; nothing was changed");
        }
    }

    /**
     * The state cannot be trusted, so no command acts on it. The way out is the operator's: the
     * record is all remove has to go on, so it is moved aside (kept for reading), not deleted.
     */
    private static SetupException corrupt(Path file, String why, Throwable cause) {
        // The reason may quote the file; a control character in it must not reach a terminal.
        String safe = why.replaceAll("\\p{Cntrl}", "?");
        return new SetupException("state file corrupt: " + file + ": " + safe
                + "; nothing was changed; to recover, move it aside (mv " + file + " " + file + ".corrupt),"
                + " restore by hand what it recorded if the host must go back to that,"
                + " and run apply again, which starts a new record from the host as it is"
                + " (see \"A corrupt state file\" in the realserver-setup README)", cause);
    }

    /** Held while a run changes the host; closing releases it. */
    public static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            try (channel) {
                lock.release();
            }
        }
    }
}
