package dev.dispatcher.realserver.state;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where {@code --persist} writes: a sysctl.d file, a oneshot unit, and the link that enables it.
 * The names are fixed; only the two directories are chosen ({@code --sysctl-dir},
 * {@code --systemd-dir}), so these three paths are the only files this command ever writes or
 * deletes besides its state, and a state file that names any other is not one {@code apply} wrote.
 */
public record BootFiles(Path sysctlFile, Path unitFile, Path wantsLink) {
    public static final Path DEFAULT_SYSCTL_DIR = Path.of("/etc/sysctl.d");
    public static final Path DEFAULT_SYSTEMD_DIR = Path.of("/etc/systemd/system");
    public static final String UNIT = "realserver-setup.service";
    // 95: after the distribution's defaults, which may set rp_filter or arp_* themselves.
    static final String SYSCTL_FILE = "95-realserver-setup.conf";
    static final String WANTS = "sysinit.target.wants";
    private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");

    public static BootFiles in(Path sysctlDir, Path systemdDir) {
        Path systemd = systemdDir.toAbsolutePath();
        return new BootFiles(sysctlDir.toAbsolutePath().resolve(SYSCTL_FILE), systemd.resolve(UNIT),
                systemd.resolve(WANTS).resolve(UNIT));
    }

    /**
     * From the paths recorded in the state, in the order {@link #paths()} gives them; refuses any
     * list that {@link #in} could not have produced.
     */
    public static BootFiles of(List<String> paths) {
        if (paths.size() != 3) {
            throw new IllegalArgumentException("expected the 3 files apply --persist writes, got " + paths.size());
        }
        if (paths.stream().anyMatch(p -> CONTROL.matcher(p).find())) {
            // status and remove print these paths; an escape sequence must not reach a terminal.
            throw new IllegalArgumentException("a path holds a control character");
        }
        try {
            Path sysctlFile = Path.of(paths.get(0));
            Path unitFile = Path.of(paths.get(1));
            if (sysctlFile.isAbsolute() && unitFile.isAbsolute() && sysctlFile.getParent() != null
                    && unitFile.getParent() != null) {
                BootFiles expected = in(sysctlFile.getParent(), unitFile.getParent());
                if (expected.paths().equals(paths)) {
                    return expected;
                }
            }
        } catch (InvalidPathException ex) {
            // reported below with the rest
        }
        throw new IllegalArgumentException("expected DIR/" + SYSCTL_FILE + ", DIR2/" + UNIT + " and DIR2/" + WANTS
                + "/" + UNIT + " (absolute), the files apply --persist writes, got " + paths);
    }

    public List<String> paths() {
        return List.of(sysctlFile.toString(), unitFile.toString(), wantsLink.toString());
    }
}
