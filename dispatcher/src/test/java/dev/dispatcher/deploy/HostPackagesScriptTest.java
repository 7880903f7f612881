package dev.dispatcher.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/lib/host-packages.sh, which both README commands run first (through java-home.sh) to set
 * up a fresh Debian machine. Nothing is ever installed here: the package list is replaced
 * (HOST_PACKAGES) by packages this machine has and a name no archive has, and apt-get and
 * apt-cache are stubs first on PATH that record their arguments.
 */
class HostPackagesScriptTest {
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path SCRIPT = REPO.resolve("deploy/lib/host-packages.sh");
    private static final String ABSENT = "dispatcher-test-no-such-package";
    private static final String UPDATE = "-o DPkg::Lock::Timeout=300 update -qq";

    @TempDir
    Path dir;
    private Path stubs;
    private Path aptLog;

    record Result(int exit, String stdout, String stderr) {
    }

    @BeforeEach
    void stubApt() throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg-query")), "a Debian system (dpkg-query)");
        // Readable by the unprivileged user of the non-root case.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        stubs = Files.createDirectory(dir.resolve("stubs"));
        aptLog = dir.resolve("apt.log");
        Files.createFile(aptLog);
        Files.setPosixFilePermissions(aptLog, PosixFilePermissions.fromString("rw-rw-rw-"));
        executable(stubs.resolve("apt-get"), "#!/bin/sh\necho \"apt-get $*\" >> " + aptLog + "\n");
        executable(stubs.resolve("apt-cache"), "#!/bin/sh\necho \"apt-cache $*\" >> " + aptLog + "\n"
                + "printf '%s:\\n  Installed: (none)\\n  Candidate: %s\\n' \"$2\" \"${CANDIDATE:-(none)}\"\n");
    }

    @Test
    void missingListsWhatDpkgLacksAndChangesNothing() throws Exception {
        Result r = run(Map.of("HOST_PACKAGES", "bash " + ABSENT + " coreutils"), "--missing");

        assertEquals(new Result(0, ABSENT + "\n", ""), r);
        assertEquals(List.of(), aptCalls());
    }

    @Test
    void nothingMissingDoesNothingAndSaysNothing() throws Exception {
        assertEquals(new Result(0, "", ""), run(Map.of("HOST_PACKAGES", "bash coreutils")));
        assertEquals(List.of(), aptCalls());
    }

    /** The build runs after java-home.sh ran the script: every package of both sets is there. */
    @Test
    void afterTheSetUpNothingOfEitherSetIsMissing() throws Exception {
        assertEquals(new Result(0, "", ""), run(Map.of(), "--missing"));
        assertEquals(new Result(0, "", ""), run(Map.of(), "--missing", "lab"));
        assertEquals(List.of(), aptCalls());
    }

    @Test
    void asRootItUpdatesTheListsThenInstallsOnlyWhatIsMissing() throws Exception {
        assumeTrue(root(), "root");

        Result r = run(Map.of("HOST_PACKAGES", "bash " + ABSENT));

        assertEquals(List.of("apt-get " + UPDATE,
                "apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends " + ABSENT), aptCalls());
        // The stub installed nothing: the script checks again and says so.
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.stderr().endsWith("still missing after apt-get install: " + ABSENT + "\n"), r.stderr());
    }

    @Test
    void notRootItNamesTheCommandAndStops() throws Exception {
        Result r = runUnprivileged(Map.of("HOST_PACKAGES", "bash " + ABSENT));

        assertEquals(1, r.exit(), r.toString());
        assertEquals("host-packages.sh: missing Debian packages: " + ABSENT + "; install them as root, then run this"
                + " again:\n  apt-get install -y " + ABSENT + "\n", r.stderr());
        assertEquals(List.of(), aptCalls());
    }

    @Test
    void notOnDebianItLooksForACommandOfEachPackage() throws Exception {
        // A PATH with what the script uses but no dpkg-query nor apt-get; ethtool present, curl not.
        Path bin = Files.createDirectory(dir.resolve("bin"));
        for (String tool : List.of("bash", "grep", "awk", "id", "basename", "dirname", "cat", "rm", "mktemp")) {
            Files.createSymbolicLink(bin.resolve(tool), which(tool));
        }
        executable(bin.resolve("ethtool"), "#!/bin/sh\n");
        Map<String, String> env = Map.of("HOST_PACKAGES", "ethtool curl libpcap-dev", "PATH", bin.toString());

        Result r = run(env);

        assertEquals(1, r.exit(), r.toString());
        assertEquals("host-packages.sh: not a Debian system (no dpkg-query or apt-get), and these commands are"
                + " missing: curl; install them with the system's package manager (Debian packages: curl)\n",
                r.stderr());
        assertEquals(new Result(0, "curl\n", ""), run(env, "--missing"));
    }

    @Test
    void withoutAJdkInTheListsItSaysWhatToInstall() throws Exception {
        Result r = run(Map.of(), "jdk");

        assertEquals(1, r.exit(), r.toString());
        assertEquals("host-packages.sh: no JDK 25 or newer found, "
                + "and the package lists offer no openjdk-25-jdk-headless"
                + " (Debian 12 has none); install a JDK 25 or newer under /usr/lib/jvm (e.g. Eclipse Temurin 25),"
                + " or set JAVA_HOME to one\n", r.stderr());
        // As root the lists are fetched once before giving up (a fresh machine has none).
        List<String> expected = new ArrayList<>(List.of("apt-cache policy openjdk-25-jdk-headless"));
        if (root()) {
            expected.addAll(List.of("apt-get " + UPDATE, "apt-cache policy openjdk-25-jdk-headless"));
        }
        assertEquals(expected, aptCalls());
    }

    @Test
    void aJdkTheListsOfferIsInstalled() throws Exception {
        assumeTrue(root(), "root");

        Result r = run(Map.of("CANDIDATE", "25~32ea-1"), "jdk");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("apt-cache policy openjdk-25-jdk-headless",
                "apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends openjdk-25-jdk-headless"),
                aptCalls());
    }

    @Test
    void ciRunsExactlyTheReadmesTestCommandAndInstallsNothingItself() throws IOException {
        Matcher m = Pattern.compile("\n {4}(bash -c 'source deploy/lib/java-home\\.sh[^\n]*)\n")
                .matcher(Files.readString(REPO.resolve("README.md")));
        assertTrue(m.find(), "the README's test command");
        List<String> commands = Files.readAllLines(REPO.resolve(".ci/run")).stream()
                .filter(line -> !line.isBlank() && !line.startsWith("#")).toList();
        assertEquals(List.of("set -euo pipefail", "cd \"$(dirname \"$0\")/..\"", "export CI=true", m.group(1)),
                commands);
    }

    private Result run(Map<String, String> env, String... args) throws Exception {
        return start(List.of(), SCRIPT, env, args);
    }

    /** As nobody (setpriv) when this JVM is root, from a copy that user can read. */
    private Result runUnprivileged(Map<String, String> env, String... args) throws Exception {
        if (!root()) {
            return run(env, args);
        }
        Path copy = Files.createDirectories(dir.resolve("repo/deploy/lib")).resolve("host-packages.sh");
        Files.copy(SCRIPT, copy, StandardCopyOption.REPLACE_EXISTING);
        for (Path p = copy.getParent(); !p.equals(dir); p = p.getParent()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
        return start(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), copy, env, args);
    }

    private Result start(List<String> prefix, Path script, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(which("bash").toString(), script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile());
        Map<String, String> environment = new HashMap<>(env);
        environment.putIfAbsent("PATH", stubs + ":" + System.getenv("PATH"));
        builder.environment().remove("HOST_PACKAGES");
        builder.environment().remove("CANDIDATE");
        builder.environment().putAll(environment);
        Process p = builder.start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "finished: " + command);
        return new Result(p.exitValue(), Files.readString(dir.resolve("out"), StandardCharsets.UTF_8),
                Files.readString(dir.resolve("err"), StandardCharsets.UTF_8));
    }

    private List<String> aptCalls() throws IOException {
        return Files.readAllLines(aptLog);
    }

    private static boolean root() throws IOException {
        return Files.readString(Path.of("/proc/self/status")).lines().filter(l -> l.startsWith("Uid:"))
                .anyMatch(l -> l.split("\\s+")[1].equals("0"));
    }

    private static Path which(String tool) {
        for (String d : System.getenv("PATH").split(":")) {
            Path p = Path.of(d, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new AssertionError(tool + " not on PATH");
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
