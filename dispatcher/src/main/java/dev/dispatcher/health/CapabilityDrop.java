package dev.dispatcher.health;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * How advisor scripts are started without the dispatcher's capabilities. The dispatcher holds
 * CAP_NET_RAW (as a service, in its ambient set, which a child inherits across exec; as root,
 * every capability), so without this any script could open raw sockets, send frames on the
 * dispatcher's interface or, as root, reconfigure the host.
 * Every script is therefore started through util-linux's {@code setpriv} (in every Debian
 * installation, util-linux being essential), which empties the inheritable and ambient sets and,
 * where this process may (CAP_SETPCAP, as root has), the bounding set; and sets no_new_privs, so
 * no setuid or file-capability program the script runs gives any back. Run as root, the script
 * stays uid 0 but with no capability: it cannot even read a file that root does not own.
 *
 * <p>The drop is not taken on trust: once per process, {@code setpriv} runs {@code cat
 * /proc/self/status} with the same options, and unless that child shows no capability in its
 * inheritable, permitted, effective and ambient sets and no_new_privs set, no script runs at all
 * and every script probe fails with the reason (see {@link #problem}).
 */
final class CapabilityDrop {
    private static final long CHECK_SECONDS = 10;
    private static final int CAP_SETPCAP = 8;
    private static final List<String> EMPTY_SETS = List.of("CapInh", "CapPrm", "CapEff", "CapAmb");

    private final List<String> prefix;
    private final String problem;

    private CapabilityDrop(List<String> prefix, String problem) {
        this.prefix = prefix;
        this.problem = problem;
    }

    /** This process's drop: setpriv found on PATH (else /usr/bin, /bin), checked on first use. */
    static CapabilityDrop system() {
        return ForThisProcess.DROP;
    }

    /** Checked when the first script probe asks, once: the class initializer runs once. */
    private static final class ForThisProcess {
        static final CapabilityDrop DROP = check(find(System.getenv("PATH")));
    }

    /** Where setpriv is: the first of PATH's directories, then /usr/bin and /bin, that has it. */
    static Optional<Path> find(String pathVariable) {
        List<String> directories = new ArrayList<>();
        if (pathVariable != null) {
            directories.addAll(List.of(pathVariable.split(File.pathSeparator)));
        }
        directories.addAll(List.of("/usr/bin", "/bin"));
        return directories.stream()
                .filter(d -> d.startsWith("/"))
                .map(d -> Path.of(d, "setpriv"))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** Runs {@code setpriv} (if any) once as scripts will be run and checks what the child got. */
    static CapabilityDrop check(Optional<Path> setpriv) {
        if (setpriv.isEmpty()) {
            return new CapabilityDrop(List.of(), "setpriv (util-linux) not found on PATH, /usr/bin or /bin; "
                    + "scripts are not run with the dispatcher's capabilities");
        }
        List<String> prefix = new ArrayList<>();
        prefix.add(setpriv.get().toString());
        prefix.addAll(setprivOptions(mayDropBoundingSet()));
        List<String> probe = new ArrayList<>(prefix);
        probe.addAll(List.of("cat", "/proc/self/status"));
        String problem = problemOf(probe);
        return new CapabilityDrop(problem == null ? List.copyOf(prefix) : List.of(), problem);
    }

    /**
     * The options given to setpriv before the script's own command. The bounding set is emptied
     * only by a process that may (CAP_SETPCAP: root): setpriv's handling of a drop it is not
     * allowed differs between versions, and without CAP_SETPCAP the process is not root, so its
     * script gains nothing from the bounding set once no_new_privs stops setuid and file
     * capabilities.
     */
    static List<String> setprivOptions(boolean dropBoundingSet) {
        List<String> options = new ArrayList<>(List.of("--inh-caps=-all", "--ambient-caps=-all"));
        if (dropBoundingSet) {
            options.add("--bounding-set=-all");
        }
        options.addAll(List.of("--no-new-privs", "--"));
        return options;
    }

    /** Whether this process holds CAP_SETPCAP, which dropping from the bounding set takes. */
    private static boolean mayDropBoundingSet() {
        try {
            String effective = parseStatus(Files.readString(Path.of("/proc/self/status"))).get("CapEff");
            return effective != null && (Long.parseUnsignedLong(effective, 16) >>> CAP_SETPCAP & 1) == 1;
        } catch (IOException | NumberFormatException e) {
            // Asking setpriv for the drop is then the safe guess: the check below sees what it did.
            return true;
        }
    }

    private static String problemOf(List<String> probe) {
        String shown = String.join(" ", probe);
        Process process;
        try {
            process = new ProcessBuilder(probe).redirectErrorStream(true).start();
        } catch (IOException e) {
            return "cannot run " + shown + ": " + ProbeFailures.describe(e);
        }
        try (InputStream out = process.getInputStream()) {
            process.getOutputStream().close();
            // /proc/self/status is about 1.5 KB; the bound keeps a broken setpriv from filling memory.
            String text = new String(out.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            if (!process.waitFor(CHECK_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return shown + " did not finish within " + CHECK_SECONDS + " s";
            }
            if (process.exitValue() != 0) {
                return shown + " failed (exit status " + process.exitValue() + "): " + text.strip().lines()
                        .findFirst().orElse("");
            }
            return problemOfStatus(parseStatus(text));
        } catch (IOException e) {
            process.destroyForcibly();
            return "cannot read the output of " + shown + ": " + ProbeFailures.describe(e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return "interrupted while checking " + shown;
        }
    }

    /** The fields of a /proc/PID/status text. */
    static Map<String, String> parseStatus(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        text.lines().forEach(line -> {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
        });
        return fields;
    }

    /** Null when a process with this status holds no capability and cannot gain any; else why not. */
    static String problemOfStatus(Map<String, String> status) {
        List<String> held = new ArrayList<>();
        for (String set : EMPTY_SETS) {
            String value = status.get(set);
            if (value == null || !value.matches("0+")) {
                held.add(set + "=" + value);
            }
        }
        if (!"1".equals(status.get("NoNewPrivs"))) {
            held.add("NoNewPrivs=" + status.get("NoNewPrivs"));
        }
        return held.isEmpty() ? null
                : "setpriv left the child capabilities (" + String.join(", ", held) + "); scripts are not run";
    }

    /** Why scripts cannot be run without capabilities, or empty when they can. */
    Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /** {@code command} behind setpriv and its options; only when {@link #problem} is empty. */
    List<String> wrap(List<String> command) {
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
        List<String> wrapped = new ArrayList<>(prefix);
        wrapped.addAll(command);
        return wrapped;
    }
}
