package dev.dispatcher.control;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.slf4j.LoggerFactory;

/**
 * The flow table saved at a stop and restored at the next start: a versioned binary file with a
 * CRC-32C over everything before it, written next to its place and renamed over it once on disk
 * (write, fsync, rename, fsync the directory), so a crash leaves the old snapshot or the new one,
 * never half of one.
 *
 * <pre>
 *   "DSPFLOWS"  version (int)  saved at, epoch ms (long)  entries (int)
 *   per entry:  pair fingerprint (long)  source high, low, destination high, low (4 longs)
 *               ports word (long)  state (byte)  lifetime left, ns (long)
 *   CRC-32C of all the above (int)
 * </pre>
 *
 * A pair is named by its content fingerprint, not by its id: the id another process gives the
 * same (service, server) may differ (see {@link ContentIds}); the fingerprint never does.
 */
final class FlowSnapshot {
    static final String FILE_NAME = "flows.snapshot";
    static final int VERSION = 1;
    private static final byte[] MAGIC = "DSPFLOWS".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER_BYTES = 8 + 4 + 8 + 4;
    static final int ENTRY_BYTES = 8 + 4 * 8 + 8 + 1 + 8;

    /** One saved flow. */
    record Entry(long pairFingerprint, long sourceHigh, long sourceLow, long destinationHigh, long destinationLow,
                 long portsWord, int state, long lifetimeNanos) {
    }

    /** A snapshot as read back. */
    record Saved(long savedAtEpochMillis, List<Entry> entries) {
    }

    /** Why a snapshot was not used; a metric label each. */
    enum Problem {
        MISSING, UNREADABLE, CORRUPT, TRUNCATED, VERSION, TOO_OLD;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A snapshot that cannot be used, and why, in one line. */
    static final class Unusable extends Exception {
        private static final long serialVersionUID = 1L;
        private final Problem problem;

        Unusable(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }

        Problem problem() {
            return problem;
        }
    }

    private FlowSnapshot() {
    }

    /**
     * Writes {@code count} entries that {@code entries} hands out, atomically, to {@code file}.
     *
     * @param entries called once; hands each entry to the consumer it gets
     */
    static void write(Path file, long savedAtEpochMillis, int count, Consumer<Consumer<Entry>> entries)
            throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ChecksummedWriter out = new ChecksummedWriter(channel);
            out.room(HEADER_BYTES).put(MAGIC).putInt(VERSION).putLong(savedAtEpochMillis).putInt(count);
            int[] written = {0};
            try {
                entries.accept(e -> {
                    if (written[0] == count) {
                        return;
                    }
                    out.room(ENTRY_BYTES).putLong(e.pairFingerprint()).putLong(e.sourceHigh()).putLong(e.sourceLow())
                            .putLong(e.destinationHigh()).putLong(e.destinationLow()).putLong(e.portsWord())
                            .put((byte) e.state()).putLong(e.lifetimeNanos());
                    written[0]++;
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (written[0] != count) {
                throw new IOException("snapshot: " + written[0] + " entries handed out, " + count + " announced");
            }
            out.finish();
            channel.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    /**
     * Buffered writes with the CRC-32C of everything written, summed a buffer at a time: 100,000
     * flows were 0.5-0.8 s through a DataOutputStream that summed every field on its own.
     */
    private static final class ChecksummedWriter {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        private final CRC32C crc = new CRC32C();

        ChecksummedWriter(FileChannel channel) {
            this.channel = channel;
        }

        /** The buffer, with at least {@code bytes} free. */
        ByteBuffer room(int bytes) {
            if (buffer.remaining() < bytes) {
                try {
                    drain();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return buffer;
        }

        private void drain() throws IOException {
            buffer.flip();
            crc.update(buffer.duplicate());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }

        /** Writes what is buffered, then the checksum (not part of the sum). */
        void finish() throws IOException {
            drain();
            buffer.putInt((int) crc.getValue()).flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            buffer.clear();
        }
    }

    /**
     * Removes a snapshot once its flows are in the workers' tables, so that it is restored at
     * most once. A failure is logged: the snapshot would then be restored again at the next
     * start, if it is not too old by then.
     */
    static void discard(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LoggerFactory.getLogger(FlowSnapshot.class).warn("could not remove the used flow snapshot {}: {}", file,
                    e.getMessage());
        }
    }

    /**
     * Reads a snapshot, refusing one older than {@code maxAgeMillis} at {@code nowEpochMillis} or
     * holding more than {@code maxEntries} entries (more than the table could hold: not ours).
     * Read a megabyte at a time, summed and parsed from the buffer.
     */
    static Saved read(Path file, long nowEpochMillis, long maxAgeMillis, long maxEntries) throws Unusable {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new Unusable(Problem.MISSING, "no snapshot at " + file);
        } catch (IOException e) {
            throw new Unusable(Problem.UNREADABLE, "cannot read " + file + ": " + e.getMessage());
        }
        if (size < HEADER_BYTES + 4) {
            throw new Unusable(Problem.TRUNCATED, file + " is " + size + " bytes, shorter than a snapshot's header");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            CRC32C crc = new CRC32C();
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20).flip();
            long[] left = {size - 4};
            fill(channel, buffer, HEADER_BYTES, left, crc, file);
            byte[] magic = new byte[MAGIC.length];
            buffer.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new Unusable(Problem.CORRUPT, file + " is not a flow snapshot (bad magic)");
            }
            int version = buffer.getInt();
            if (version != VERSION) {
                throw new Unusable(Problem.VERSION, file + " is snapshot version " + version
                        + ", this dispatcher reads " + VERSION);
            }
            long savedAt = buffer.getLong();
            int count = buffer.getInt();
            if (count < 0 || count > maxEntries) {
                throw new Unusable(Problem.CORRUPT, file + " claims " + count + " flows, more than the table holds ("
                        + maxEntries + ")");
            }
            long expected = HEADER_BYTES + (long) count * ENTRY_BYTES + 4;
            if (size != expected) {
                throw new Unusable(size < expected ? Problem.TRUNCATED : Problem.CORRUPT, file + " is " + size
                        + " bytes, a snapshot of " + count + " flows is " + expected);
            }
            List<Entry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                if (buffer.remaining() < ENTRY_BYTES) {
                    fill(channel, buffer, ENTRY_BYTES, left, crc, file);
                }
                entries.add(new Entry(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong(),
                        buffer.getLong(), buffer.getLong(), buffer.get() & 0xFF, buffer.getLong()));
            }
            ByteBuffer stored = ByteBuffer.allocate(4);
            while (stored.hasRemaining()) {
                if (channel.read(stored) < 0) {
                    throw new Unusable(Problem.TRUNCATED, file + " ends early");
                }
            }
            int sum = (int) crc.getValue();
            if (stored.getInt(0) != sum) {
                throw new Unusable(Problem.CORRUPT, file + " fails its checksum (CRC-32C "
                        + Integer.toHexString(stored.getInt(0)) + ", computed " + Integer.toHexString(sum) + ")");
            }
            long age = nowEpochMillis - savedAt;
            if (age > maxAgeMillis) {
                throw new Unusable(Problem.TOO_OLD, file + " was saved " + age / 1000
                        + " s ago, longer than the longest flow timeout (" + maxAgeMillis / 1000
                        + " s): every flow in it has expired");
            }
            return new Saved(savedAt, entries);
        } catch (IOException e) {
            throw new Unusable(Problem.UNREADABLE, "cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * Tops {@code buffer} up (keeping what it has not consumed) to at least {@code need} bytes from
     * the {@code left[0]} bytes before the checksum, summing what it reads.
     */
    private static void fill(FileChannel channel, ByteBuffer buffer, int need, long[] left, CRC32C crc, Path file)
            throws IOException, Unusable {
        buffer.compact();
        while (buffer.position() < need) {
            int room = (int) Math.min(buffer.remaining(), left[0]);
            if (room == 0) {
                throw new Unusable(Problem.TRUNCATED, file + " ends early");
            }
            ByteBuffer window = buffer.slice(buffer.position(), room);
            int n = channel.read(window);
            if (n < 0) {
                throw new Unusable(Problem.TRUNCATED, file + " ends early");
            }
            crc.update(buffer.slice(buffer.position(), n));
            buffer.position(buffer.position() + n);
            left[0] -= n;
        }
        buffer.flip();
    }
}
