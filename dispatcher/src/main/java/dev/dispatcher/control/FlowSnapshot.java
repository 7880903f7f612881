package dev.dispatcher.control;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
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
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
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
        CRC32C crc = new CRC32C();
        int[] written = {0};
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             DataOutputStream out = new DataOutputStream(new CheckedOutputStream(
                     new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16), crc))) {
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeLong(savedAtEpochMillis);
            out.writeInt(count);
            IOException[] failed = {null};
            entries.accept(e -> {
                if (failed[0] != null || written[0] == count) {
                    return;
                }
                try {
                    out.writeLong(e.pairFingerprint());
                    out.writeLong(e.sourceHigh());
                    out.writeLong(e.sourceLow());
                    out.writeLong(e.destinationHigh());
                    out.writeLong(e.destinationLow());
                    out.writeLong(e.portsWord());
                    out.writeByte(e.state());
                    out.writeLong(e.lifetimeNanos());
                    written[0]++;
                } catch (IOException x) {
                    failed[0] = x;
                }
            });
            if (failed[0] != null) {
                throw failed[0];
            }
            if (written[0] != count) {
                throw new IOException("snapshot: " + written[0] + " entries handed out, " + count + " announced");
            }
            out.flush();
            // The checksum itself is not part of the sum: written straight to the channel's stream.
            OutputStream raw = Channels.newOutputStream(channel);
            int sum = (int) crc.getValue();
            raw.write(new byte[] {(byte) (sum >>> 24), (byte) (sum >>> 16), (byte) (sum >>> 8), (byte) sum});
            raw.flush();
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
        CRC32C crc = new CRC32C();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
             DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc))) {
            if (size < HEADER_BYTES + 4) {
                throw new Unusable(Problem.TRUNCATED, file + " is " + size
                        + " bytes, shorter than a snapshot's header");
            }
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new Unusable(Problem.CORRUPT, file + " is not a flow snapshot (bad magic)");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new Unusable(Problem.VERSION, file + " is snapshot version " + version
                        + ", this dispatcher reads " + VERSION);
            }
            long savedAt = in.readLong();
            int count = in.readInt();
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
                entries.add(new Entry(in.readLong(), in.readLong(), in.readLong(), in.readLong(), in.readLong(),
                        in.readLong(), in.readUnsignedByte(), in.readLong()));
            }
            int sum = (int) crc.getValue();
            int stored = new DataInputStream(raw).readInt();
            if (stored != sum) {
                throw new Unusable(Problem.CORRUPT, file + " fails its checksum (CRC-32C " + Integer.toHexString(stored)
                        + ", computed " + Integer.toHexString(sum) + ")");
            }
            long age = nowEpochMillis - savedAt;
            if (age > maxAgeMillis) {
                throw new Unusable(Problem.TOO_OLD, file + " was saved " + age / 1000
                        + " s ago, longer than the longest flow timeout (" + maxAgeMillis / 1000
                        + " s): every flow in it has expired");
            }
            return new Saved(savedAt, entries);
        } catch (EOFException e) {
            throw new Unusable(Problem.TRUNCATED, file + " ends early");
        } catch (IOException e) {
            throw new Unusable(Problem.UNREADABLE, "cannot read " + file + ": " + e.getMessage());
        }
    }
}
