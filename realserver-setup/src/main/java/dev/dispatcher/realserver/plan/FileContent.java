package dev.dispatcher.realserver.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * What a path holds: nothing, text, or a symbolic link. Recording the "before" of every file a
 * plan writes is what lets a failed {@code apply} put it back.
 */
public sealed interface FileContent {

    record Absent() implements FileContent {}

    record Text(String text) implements FileContent {}

    record Symlink(String target) implements FileContent {}

    FileContent ABSENT = new Absent();

    /** Reads a path without following a final symlink, so an enable link is seen as a link. */
    static FileContent read(Path path) {
        try {
            if (Files.isSymbolicLink(path)) {
                return new Symlink(Files.readSymbolicLink(path).toString());
            }
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                return ABSENT;
            }
            return new Text(Files.readString(path));
        } catch (IOException ex) {
            throw new java.io.UncheckedIOException("cannot read " + path + ": " + ex.getMessage(), ex);
        }
    }
}
