package dev.dispatcher.realserver.kernel;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Sysctls read and written as files under {@code /proc/sys}.
 *
 * <p>Not through sysctl(8): {@code /proc/sys/net} shows the network namespace of the process that
 * opens it, so the same code works on a host and under {@code ip netns exec NS}, and there is no
 * second tool to be missing. Keys are slash paths below the root ({@code net/ipv4/conf/all/arp_ignore}),
 * which stay unambiguous for interface names with dots such as {@code eth0.100}.
 */
public final class ProcSys {
    public static final Path DEFAULT_ROOT = Path.of("/proc/sys");
    private static final String CONF = "net/ipv4/conf";

    private final Path root;

    public ProcSys(Path root) {
        this.root = root;
    }

    /** {@code net/ipv4/conf/<iface>/<name>}. */
    public static String confKey(String iface, String name) {
        return CONF + "/" + iface + "/" + name;
    }

    /** The name sysctl(8) and sysctl.d use: dots between parts, dots inside a part written as slashes. */
    public static String dotted(String key) {
        String[] parts = key.split("/");
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].replace('.', '/');
        }
        return String.join(".", parts);
    }

    public Path file(String key) {
        return root.resolve(key);
    }

    public boolean exists(String key) {
        return Files.isRegularFile(file(key));
    }

    public String read(String key) {
        try {
            return Files.readString(file(key)).strip();
        } catch (IOException ex) {
            throw new SetupException("cannot read " + file(key) + ": " + ex.getMessage(), ex);
        }
    }

    public int readInt(String key) {
        String text = read(key);
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException ex) {
            throw new SetupException(file(key) + " holds '" + text + "', not a number", ex);
        }
    }

    /**
     * Writes and reads back. The kernel rejects some values with EINVAL and silently clamps
     * others; reading back turns both into an error before the next step depends on the value.
     */
    public void write(String key, String value) {
        Path file = file(key);
        try {
            Files.writeString(file, value + "\n");
        } catch (IOException ex) {
            throw new SetupException("cannot write " + value + " to " + file + ": " + describe(ex), ex);
        }
        String now = read(key);
        if (!now.equals(value)) {
            throw new SetupException("wrote " + value + " to " + file + " but it reads back " + now);
        }
    }

    /**
     * Interfaces with IPv4 configuration in this namespace, without the {@code all} and {@code default} pseudo-entries.
     */
    public List<String> interfaces() {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(root.resolve(CONF))) {
            for (Path entry : dir) {
                String name = entry.getFileName().toString();
                if (!name.equals("all") && !name.equals("default")) {
                    names.add(name);
                }
            }
        } catch (IOException ex) {
            throw new SetupException("cannot list " + root.resolve(CONF) + ": " + ex.getMessage(), ex);
        }
        names.sort(null);
        return names;
    }

    private static String describe(IOException ex) {
        String message = ex.getMessage();
        return message == null ? ex.getClass().getSimpleName() : message;
    }
}
