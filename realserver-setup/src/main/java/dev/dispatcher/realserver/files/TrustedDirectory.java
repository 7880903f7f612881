package dev.dispatcher.realserver.files;

import dev.dispatcher.realserver.kernel.Privileges;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A directory nobody but root (or the user running this command) can change, checked the way sshd
 * checks the path to a key file: the directory is no symbolic link, and it and every directory
 * above it is owned by root or that user and writable by neither group nor others. Above it, a
 * sticky directory such as {@code /tmp} is accepted: others may create entries there but cannot
 * rename or delete ours.
 *
 * <p>Whoever can change a directory can swap the files in it between a check and a use, so only
 * in such a directory do checks on the files themselves mean anything.
 */
public final class TrustedDirectory {
    private static final int GROUP_OR_OTHERS_WRITE = 0022;
    private static final int STICKY = 01000;
    private static final FileAttribute<Set<PosixFilePermission>> NEW_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));

    private final int ownUid;

    /** @param ownUid the effective uid of this process, trusted besides root */
    public TrustedDirectory(int ownUid) {
        this.ownUid = ownUid;
    }

    public static TrustedDirectory forThisProcess() {
        return new TrustedDirectory(Privileges.read(Path.of("/proc/self/status")).effectiveUid());
    }

    /**
     * What is wrong with a directory, or with one above it.
     *
     * @param where the directory at fault: the one checked, or one above it
     * @param what what is wrong, e.g. {@code is a symbolic link}
     * @param fix the command or step that puts it right
     */
    public record Problem(Path where, String what, String fix) {}

    /** Checks an existing directory; empty when it can be trusted. */
    public Optional<Problem> check(Path dir) throws IOException {
        if (Files.isSymbolicLink(dir)) {
            return Optional.of(new Problem(dir, "is a symbolic link (to " + Files.readSymbolicLink(dir) + ")",
                    "give the directory itself, not a link to it"));
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.of(new Problem(dir, "is not a directory", "give a directory"));
        }
        Optional<Problem> problem = judge(dir, Files.readAttributes(dir, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS),
                false);
        return problem.isPresent() ? problem : checkAbove(dir.toAbsolutePath().getParent());
    }

    /**
     * Creates the directory (mode 0755, and any missing parents) after checking what is above it,
     * so nothing is created under a directory others control; then checks it.
     */
    public Optional<Problem> create(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
            return check(absolute);
        }
        Path existing = absolute.getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        Optional<Problem> above = checkAbove(existing);
        if (above.isPresent()) {
            return above;
        }
        Files.createDirectories(absolute, NEW_DIRECTORY);
        return check(absolute);
    }

    /** Every real directory from {@code dir} up to the root; symlinks on the way resolve to what they reach. */
    private Optional<Problem> checkAbove(Path dir) throws IOException {
        if (dir == null) {
            return Optional.empty();
        }
        for (Path up = dir.toRealPath(); up != null; up = up.getParent()) {
            Optional<Problem> problem = judge(up, Files.readAttributes(up, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS),
                    true);
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }

    private Optional<Problem> judge(Path dir, Map<String, Object> attributes, boolean above) {
        int uid = (Integer) attributes.get("uid");
        int mode = (Integer) attributes.get("mode");
        if (uid != 0 && uid != ownUid) {
            return Optional.of(new Problem(dir,
                    "is owned by uid " + uid + ", not root" + (ownUid == 0 ? "" : " or uid " + ownUid),
                    "chown root " + dir));
        }
        if ((mode & GROUP_OR_OTHERS_WRITE) != 0 && !(above && (mode & STICKY) != 0)) {
            return Optional.of(new Problem(dir,
                    "is writable by group or others (mode " + Integer.toOctalString(mode & 07777) + ")",
                    "chmod go-w " + dir));
        }
        return Optional.empty();
    }
}
