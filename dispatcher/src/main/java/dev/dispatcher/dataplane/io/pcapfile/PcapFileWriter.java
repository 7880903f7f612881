package dev.dispatcher.dataplane.io.pcapfile;

import static dev.dispatcher.dataplane.io.pcapfile.PcapFormat.RECORD_HEADER_BYTES;

import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.packet.PacketBuffer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A pcap file (nanosecond timestamps, Ethernet, little-endian) written by every worker of a
 * replay; writes are serialised here, which costs nothing that matters offline.
 *
 * <p>A regular file is written to a temporary file next to it and renamed over it by
 * {@link #commit}, so a run that fails (a damaged input, a full disk) leaves no half-written
 * output and an existing file as it was. Anything else that exists (a device such as
 * {@code /dev/null}, a FIFO) is written in place: renaming over it would replace the device.
 * Every write and the close are checked; the first error is kept, makes later writes fail fast,
 * runs the failure action (the replay stops its pipeline) and is thrown by {@link #commit}.
 */
public final class PcapFileWriter implements AutoCloseable {
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path out;
    private final Path target;
    private final Path temporary;
    private final FileChannel channel;
    private final byte[] bytes = new byte[BUFFER_BYTES];
    private final ByteBuffer view = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    private final MemorySegment segment = MemorySegment.ofArray(bytes);
    private int position;
    private volatile String failure;
    private Runnable onFailure = () -> { };
    private boolean closed;
    private boolean committed;

    private PcapFileWriter(Path out, Path target, Path temporary, FileChannel channel) {
        this.out = out;
        this.target = target;
        this.temporary = temporary;
        this.channel = channel;
        view.putInt(0, PcapFormat.MAGIC_NANOS)
                .putShort(4, (short) PcapFormat.VERSION_MAJOR)
                .putShort(6, (short) PcapFormat.VERSION_MINOR)
                .putInt(8, 0)
                .putInt(12, 0)
                .putInt(16, PcapFormat.WRITTEN_SNAPLEN)
                .putInt(20, PcapFormat.LINKTYPE_ETHERNET);
        position = PcapFormat.FILE_HEADER_BYTES;
    }

    /**
     * Opens the output: a temporary file beside {@code out} (beside the file a symbolic link
     * points to, whose target is then replaced and the link kept), or {@code out} itself when it
     * exists and is not a regular file.
     *
     * @throws PacketIoException with a one-line message when it cannot be opened
     */
    public static PcapFileWriter create(Path out) throws PacketIoException {
        try {
            if (Files.isDirectory(out)) {
                throw new PacketIoException("cannot write output file " + out + ": it is a directory", null);
            }
            if (Files.exists(out)) {
                if (!Files.isRegularFile(out)) {
                    return new PcapFileWriter(out, out, null, FileChannel.open(out, StandardOpenOption.WRITE));
                }
                return inTemporary(out, out.toRealPath());
            }
            return inTemporary(out, out.toAbsolutePath());
        } catch (IOException e) {
            throw new PacketIoException(writeError(out, e), e);
        }
    }

    private static PcapFileWriter inTemporary(Path out, Path target) throws IOException, PacketIoException {
        Path directory = target.getParent();
        if (directory == null || !Files.isDirectory(directory)) {
            throw new PacketIoException("cannot write output file " + out + ": directory "
                    + (directory == null ? "/" : directory) + " does not exist", null);
        }
        for (int attempt = 0; ; attempt++) {
            // Not Files.createTempFile: its owner-only permissions would end up on the output.
            Path temporary = directory.resolve("." + target.getFileName() + "."
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                return new PcapFileWriter(out, target, temporary,
                        FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
            } catch (FileAlreadyExistsException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }

    /** What to do on the first write error (from the writing thread): stop producing output. */
    public void onFailure(Runnable action) {
        this.onFailure = action;
    }

    /** Appends one record; false once a write has failed. Called by several workers at once. */
    public synchronized boolean write(PacketBuffer frame, long timestampNanos) {
        if (failure != null || closed) {
            return false;
        }
        int length = frame.length();
        if (position + RECORD_HEADER_BYTES + length > bytes.length && !drain()) {
            return false;
        }
        view.putInt(position, (int) (timestampNanos / 1_000_000_000L))
                .putInt(position + 4, (int) (timestampNanos % 1_000_000_000L))
                .putInt(position + 8, length)
                .putInt(position + 12, length);
        MemorySegment.copy(frame.segment(), frame.offset(), segment, position + RECORD_HEADER_BYTES, length);
        position += RECORD_HEADER_BYTES + length;
        return true;
    }

    private boolean drain() {
        try {
            ByteBuffer pending = ByteBuffer.wrap(bytes, 0, position);
            while (pending.hasRemaining()) {
                channel.write(pending);
            }
            position = 0;
            return true;
        } catch (IOException e) {
            fail(e);
            return false;
        }
    }

    private void fail(IOException e) {
        if (failure == null) {
            failure = writeError(out, e);
            onFailure.run();
        }
    }

    /** The first write error, or null. */
    public String failure() {
        return failure;
    }

    /**
     * Writes what is buffered, closes the file and moves it into place.
     *
     * @throws PacketIoException the first error of any write, of the close or of the rename
     */
    public synchronized void commit() throws PacketIoException {
        if (failure == null) {
            drain();
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            fail(e);
        }
        if (failure != null) {
            deleteTemporary();
            throw new PacketIoException(failure, null);
        }
        if (temporary != null) {
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                deleteTemporary();
                throw new PacketIoException(writeError(out, e), e);
            }
        }
        committed = true;
    }

    /** Without a {@link #commit}: discards the output (an existing file stays as it was). */
    @Override
    public synchronized void close() {
        if (committed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            // Discarded anyway.
        }
        deleteTemporary();
    }

    private void deleteTemporary() {
        if (temporary == null) {
            return;
        }
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException e) {
            // Nothing more to do; the name starts with a dot and ends in .tmp.
        }
    }

    private static String writeError(Path out, IOException e) {
        String reason = e instanceof NoSuchFileException ? "no such file or directory"
                : e instanceof AccessDeniedException ? "permission denied"
                : String.valueOf(e.getMessage());
        return "cannot write output file " + out + ": " + reason;
    }
}
