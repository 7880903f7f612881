package dev.dispatcher.realserver.plan;

import dev.dispatcher.realserver.files.AtomicFiles;
import dev.dispatcher.realserver.kernel.SetupException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What a path holds: nothing, text, or a symbolic link. Recording the "before" of every file a
 * plan writes is what lets a failed {@code apply} put it back, and what tells apply's own boot
 * files from someone else's.
 */
public sealed interface FileContent {

    record Absent() implements FileContent {}

    record Text(String text) implements FileContent {}

    record Symlink(String target) implements FileContent {}

    FileContent ABSENT = new Absent();

    /** Larger than anything apply writes (a unit for a thousand VIPs is under 100 KB), so never read whole. */
    int MAX_BYTES = 1 << 20;

    /**
     * Reads a path without following a final symlink, so an enable link is seen as a link. Refuses
     * what apply never writes and cannot read safely: a directory, a FIFO (opening it would block),
     * a device, a file over {@link #MAX_BYTES}.
     */
    static FileContent read(Path path) {
        try {
            BasicFileAttributes attributes = AtomicFiles.lstat(path);
            if (attributes == null) {
                return ABSENT;
            }
            if (attributes.isSymbolicLink()) {
                return new Symlink(Files.readSymbolicLink(path).toString());
            }
            if (!attributes.isRegularFile()) {
                throw new SetupException(path + " is "
                        + (attributes.isDirectory() ? "a directory" : "a special file (FIFO, socket or device)")
                        + ", where apply --persist writes a file; move it away and run the command again");
            }
            byte[] bytes = AtomicFiles.read(path, MAX_BYTES);
            if (bytes == null) {
                throw new SetupException(path + " is larger than " + MAX_BYTES
                        + " bytes, so apply --persist did not write it; move it away and run the command again");
            }
            return new Text(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read " + path + ": " + ex.getMessage(), ex);
        }
    }
}
