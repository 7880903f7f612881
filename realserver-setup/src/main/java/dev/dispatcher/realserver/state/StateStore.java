package dev.dispatcher.realserver.state;

import dev.dispatcher.realserver.json.Json;
import dev.dispatcher.realserver.kernel.SetupException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The state file, {@code state.json} in the state directory (default
 * {@code /var/lib/realserver-setup}; one directory per real server when several share a host).
 *
 * <p>Written atomically (temporary file, then rename) so a crash never leaves half a record, and
 * changed only under a lock so two concurrent runs cannot both record "the original value".
 */
public final class StateStore {
    public static final Path DEFAULT_DIR = Path.of("/var/lib/realserver-setup");

    /** A state file larger than this is not one apply wrote (a hundred VIPs take about 20 KB). */
    static final long MAX_BYTES = 1 << 20;

    private final Path dir;

    public StateStore(Path dir) {
        this.dir = dir;
    }

    public Path file() {
        return dir.resolve("state.json");
    }

    public Optional<AppliedState> load() {
        Path file = file();
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String text;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw corrupt(file, "larger than " + MAX_BYTES + " bytes, far more than apply writes", null);
            }
            text = Files.readString(file);
        } catch (IOException ex) {
            throw new SetupException("cannot read the state file " + file + ": " + ex + "; nothing was changed", ex);
        }
        try {
            return Optional.of(AppliedState.fromJson(Json.parse(text)));
        } catch (IllegalArgumentException ex) {
            throw corrupt(file, ex.getMessage(), ex);
        }
    }

    /**
     * The state cannot be trusted, so no command acts on it. The way out is the operator's: the
     * record is all remove has to go on, so it is moved aside (kept for reading), not deleted.
     */
    private static SetupException corrupt(Path file, String why, Throwable cause) {
        // The reason may quote the file; a control character in it must not reach a terminal.
        String safe = why.replaceAll("\\p{Cntrl}", "?");
        return new SetupException("state file corrupt: " + file + ": " + safe + "; nothing was changed; to recover, move it aside"
                + " (mv " + file + " " + file + ".corrupt), restore by hand what it recorded if the host must go back to that,"
                + " and run apply again, which starts a new record from the host as it is"
                + " (see \"A corrupt state file\" in the realserver-setup README)", cause);
    }

    public void save(AppliedState state) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve("state.json.tmp");
        Files.writeString(tmp, Json.write(state.toJson()));
        try {
            Files.move(tmp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException ex) {
            Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public void delete() throws IOException {
        Files.deleteIfExists(file());
    }

    /**
     * Creates the directory and takes an exclusive lock on {@code lock} in it. Doing this before any
     * change also proves the state can be written, so apply never changes a host it cannot record.
     */
    public Lock lock() {
        try {
            Files.createDirectories(dir);
            FileChannel channel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException ex) {
                lock = null; // held by this same process
            }
            if (lock == null) {
                channel.close();
                throw new SetupException("another realserver-setup holds " + dir.resolve("lock") + "; nothing was changed");
            }
            return new Lock(channel, lock);
        } catch (IOException ex) {
            throw new SetupException("cannot use the state directory " + dir + ": " + ex + "; nothing was changed", ex);
        }
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
