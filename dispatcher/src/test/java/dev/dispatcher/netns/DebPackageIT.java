package dev.dispatcher.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package as an administrator meets it: {@code dpkg -i} of the built .deb, the files and
 * their modes, the launchers on PATH (and how they pick a Java), the units ({@code systemd-analyze
 * verify}, the real-server unit's command line), the dispatcher run as its unit says (user, two
 * capabilities, JSON logs, SIGHUP reload, {@code config save} into /etc/dispatcher), then
 * {@code dpkg --purge}, which must leave nothing behind.
 *
 * <p>Not a test of the shared network lab: it needs root for dpkg, and its one network namespace is
 * anonymous ({@code unshare -n}), so it meets no other test's namespaces or addresses. It refuses to
 * run (skips, or fails under CI=true) when a dispatcher package or /etc/dispatcher is already on the
 * host: its purge would delete someone's configuration and admin token.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebPackageIT {
    private static final Path TARGET = Path.of("target");
    private static final Path SAMPLES = Path.of("../deploy/config-samples");
    private static final String PATH_ENV = "/usr/sbin:/usr/bin:/sbin:/bin";
    private static final String JAVA_HOME = System.getProperty("java.home");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path deb;
    private static String version;
    private static boolean installedByUs;

    @TempDir
    Path dir;

    // ---- install and purge ---------------------------------------------------------------------

    @BeforeAll
    static void install() throws IOException {
        requirePreconditions();
        installedByUs = true;
        Shell.Result result = Shell.run(120, Map.of(), List.of("dpkg", "-i", deb.toString()));
        assertEquals(0, result.exit(), "dpkg -i " + deb + ":\n" + result.output());
    }

    /** The finally block of the whole class: runs even when install or a test failed. */
    @AfterAll
    static void purge() {
        if (!installedByUs) {
            return;
        }
        Shell.Result result = Shell.run(120, Map.of(), List.of("dpkg", "--purge", "dispatcher"));
        assertEquals(0, result.exit(), "dpkg --purge dispatcher:\n" + result.output());
        for (String left : List.of("/etc/dispatcher", "/etc/default/dispatcher", "/usr/bin/dispatcher",
                "/usr/bin/realserver-setup", "/usr/share/dispatcher", "/lib/systemd/system/dispatcher.service",
                "/lib/systemd/system/realserver-setup.service")) {
            assertFalse(Files.exists(Path.of(left), LinkOption.NOFOLLOW_LINKS), "purge left " + left);
        }
        assertFalse(Shell.run(10, Map.of(), List.of("dpkg-query", "-W", "dispatcher")).ok(), "dpkg forgot the package");
    }

    private static void requirePreconditions() throws IOException {
        String problem = null;
        Shell.Result id = Shell.run(5, Map.of(), List.of("id", "-u"));
        if (!id.ok() || !id.output().strip().equals("0")) {
            problem = "not root (dpkg -i needs root)";
        }
        for (String tool : List.of("dpkg", "dpkg-deb", "setpriv", "unshare", "nsenter", "ip", "systemd-analyze")) {
            if (problem == null && !Shell.sh(5, Map.of(), "command -v " + tool).ok()) {
                problem = "missing tool: " + tool;
            }
        }
        if (problem == null && Shell.run(10, Map.of(), List.of("dpkg-query", "-W", "dispatcher")).ok()) {
            problem = "a dispatcher package is known to dpkg already (installed by hand, or left by an interrupted"
                    + " run: dpkg --purge dispatcher); this test would purge it";
        }
        if (problem == null && Files.exists(Path.of("/etc/dispatcher"))) {
            problem = "/etc/dispatcher exists; this test's purge would delete its files";
        }
        if (problem != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but the package test cannot run: " + problem);
            }
            assumeTrue(false, "skipped: " + problem);
        }
        // Not a precondition: the package is a product of this build, so its absence is a failure.
        try (Stream<Path> files = Files.list(TARGET)) {
            List<Path> debs = files.filter(f -> f.getFileName().toString().matches("dispatcher_.*_all\\.deb")).toList();
            assertEquals(1, debs.size(),
                    "one package built by mvn package in " + TARGET.toAbsolutePath() + ": " + debs);
            deb = debs.getFirst();
        }
        try (JarFile jar = new JarFile(TARGET.resolve("dispatcher.jar").toFile())) {
            version = jar.getManifest().getMainAttributes().getValue("Implementation-Version");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(
                Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).permissions());
    }

    private static void assertFile(String path, String permissions, String owner, String group) throws IOException {
        Path p = Path.of(path);
        assertTrue(Files.exists(p), path + " installed");
        PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
        assertEquals(permissions + " " + owner + ":" + group,
                PosixFilePermissions.toString(a.permissions()) + " " + a.owner().getName() + ":" + a.group().getName(),
                path);
    }

    /** The [Service]/[Unit]/[Install] settings of an installed unit: key to values, comments left out. */
    private static Map<String, List<String>> unit(String name) throws IOException {
        Map<String, List<String>> settings = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/lib/systemd/system", name))) {
            if (line.isBlank() || line.startsWith("#") || line.startsWith("[")) {
                continue;
            }
            int eq = line.indexOf('=');
            settings.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
        }
        return settings;
    }

    private static String only(Map<String, List<String>> unit, String key) {
        List<String> values = unit.getOrDefault(key, List.of());
        assertEquals(1, values.size(), key + " once: " + values);
        return values.getFirst();
    }

    /** Runs a shell script in a private mount namespace, so it may hide and replace /usr/lib/jvm. */
    private static Shell.Result privateMounts(String script) {
        return Shell.run(60, Map.of(), List.of("unshare", "-m", "sh", "-ec", script));
    }

    private static String quote(Object s) {
        return "'" + s.toString().replace("'", "'\\''") + "'";
    }

    /** A fake Java home: its bin/java prints how it was called, or its version when asked. */
    private Path fakeJava(String name, String release, String spec) throws IOException {
        Path home = dir.resolve("jvm").resolve(name);
        Files.createDirectories(home.resolve("bin"));
        if (release != null) {
            Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"fake\"\nJAVA_VERSION=\"" + release + "\"\n");
        }
        Path java = home.resolve("bin/java");
        Files.writeString(java, """
                #!/bin/sh
                if [ "$1" = -XshowSettings:properties ]; then echo "    java.specification.version = %s" >&2; exit 0; fi
                echo "$0 $*"
                """.formatted(spec));
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    /** A PATH directory with the tools the launcher uses and no java (unless added). */
    private Path toolsDir() throws IOException {
        Path tools = Files.createDirectories(dir.resolve("tools"));
        for (String tool : List.of("basename", "dirname", "readlink", "sed")) {
            Path real = Path.of(Shell.sh(5, Map.of(), "command -v " + tool).output().strip());
            Files.createSymbolicLink(tools.resolve(tool), real);
        }
        return tools;
    }

    /**
     * Runs {@code command} with only {@code env} while /usr/lib/jvm is a tmpfs holding copies of
     * {@code jvmDirHomes} (in a private mount namespace; only a missing /usr/lib/jvm is created on the host).
     */
    private static Shell.Result launch(List<Path> jvmDirHomes, String env, String command) {
        StringBuilder script = new StringBuilder("mkdir -p /usr/lib/jvm; mount -t tmpfs tmpfs /usr/lib/jvm\n");
        for (Path home : jvmDirHomes) {
            script.append("cp -a ").append(quote(home)).append(" /usr/lib/jvm/\n");
        }
        script.append("exec env -i ").append(env).append(' ').append(command).append('\n');
        return privateMounts(script.toString());
    }

    // ---- the tests -----------------------------------------------------------------------------

    @Test
    @Order(1)
    void controlDataAndConffiles() {
        Shell.Result fields = Shell.run(10, Map.of(), List.of("dpkg-deb", "-f", deb.toString(),
                "Package", "Version", "Architecture", "Depends", "Recommends"));
        assertEquals(0, fields.exit(), fields.output());
        assertEquals("""
                Package: dispatcher
                Version: %s
                Architecture: all
                Depends: libpcap0.8, iproute2, procps
                Recommends: arping, ethtool
                """.formatted(version.replace("-SNAPSHOT", "~SNAPSHOT")), fields.output());
        assertEquals("dispatcher_" + version.replace("-SNAPSHOT", "~SNAPSHOT") + "_all.deb",
                deb.getFileName().toString());

        Shell.Result status = Shell.run(10, Map.of(), List.of("dpkg-query", "-W", "-f", "${Status}\n${Conffiles}\n",
                "dispatcher"));
        List<String> lines = status.output().lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        assertEquals("install ok installed", lines.getFirst(), status.output());
        List<String> conffiles = lines.stream().skip(1).map(l -> l.split(" ")[0]).sorted().toList();
        assertEquals(List.of("/etc/default/dispatcher", "/etc/dispatcher/dispatcher.yaml",
                "/etc/dispatcher/realserver.env"), conffiles);
    }

    @Test
    @Order(2)
    void filesUserAndToken() throws IOException {
        assertFile("/usr/share/dispatcher/dispatcher.jar", "rw-r--r--", "root", "root");
        assertFile("/usr/share/dispatcher/realserver-setup.jar", "rw-r--r--", "root", "root");
        assertFile("/usr/bin/dispatcher", "rwxr-xr-x", "root", "root");
        assertFile("/usr/bin/realserver-setup", "rwxr-xr-x", "root", "root");
        assertFile("/lib/systemd/system/dispatcher.service", "rw-r--r--", "root", "root");
        assertFile("/lib/systemd/system/realserver-setup.service", "rw-r--r--", "root", "root");
        assertFile("/etc/dispatcher/dispatcher.yaml", "rw-r--r--", "root", "root");
        assertFile("/etc/dispatcher/realserver.env", "rw-r--r--", "root", "root");
        assertFile("/etc/default/dispatcher", "rw-r--r--", "root", "root");
        assertFile("/usr/share/doc/dispatcher/examples/udp.yaml", "rw-r--r--", "root", "root");
        // Group-writable for `config save` by the service user; the configuration holds no secret.
        assertFile("/etc/dispatcher", "rwxrwxr-x", "root", "dispatcher");
        assertFile("/etc/dispatcher/admin.token", "rw-------", "dispatcher", "dispatcher");

        String token = Files.readString(Path.of("/etc/dispatcher/admin.token")).strip();
        assertTrue(token.matches("[A-Za-z0-9+/=]{40,}"), "a random token of 32 bytes in base64: " + token.length());
        assertEquals(Files.readString(SAMPLES.resolve("minimal.yaml")),
                Files.readString(Path.of("/etc/dispatcher/dispatcher.yaml")),
                "the default configuration is minimal.yaml");

        String[] user = Shell.run(5, Map.of(), List.of("getent", "passwd", "dispatcher")).output().strip().split(":");
        assertEquals(7, user.length, String.join(":", user));
        assertTrue(Integer.parseInt(user[2]) < 1000, "a system user: uid " + user[2]);
        assertTrue(user[6].endsWith("nologin") || user[6].equals("/bin/false"), "no login shell: " + user[6]);
        assertFalse(Files.exists(Path.of(user[5])), "no home directory: " + user[5]);
    }

    @Test
    @Order(3)
    void launchersOnPathRunTheJarsOnJava25() {
        Map<String, String> env = Map.of("JAVA_HOME", JAVA_HOME, "PATH", PATH_ENV);
        Shell.Result which = Shell.sh(10, env, "command -v dispatcher; command -v realserver-setup");
        assertEquals("/usr/bin/dispatcher\n/usr/bin/realserver-setup\n", which.output());

        Shell.Result dispatcherVersion = Shell.sh(60, env, "dispatcher --version");
        assertEquals(0, dispatcherVersion.exit(), dispatcherVersion.output());
        assertEquals("dispatcher " + version + "\nJava " + Runtime.version() + "\n", dispatcherVersion.output());

        Shell.Result help = Shell.sh(60, env, "realserver-setup --help");
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().startsWith("Usage: realserver-setup"), help.output());
        for (String command : List.of("plan", "apply", "check", "remove", "status")) {
            assertTrue(help.output().contains("  " + command + " "), command + " in\n" + help.output());
        }

        Shell.Result check = Shell.sh(60, env, "dispatcher check-config /etc/dispatcher/dispatcher.yaml");
        assertEquals(0, check.exit(), check.output());
        assertEquals("/etc/dispatcher/dispatcher.yaml: OK (1 cluster(s), 1 service(s), interface eth0, io afpacket, "
                + "rx-ring frames, pipeline auto)\n", check.output());
    }

    @Test
    @Order(4)
    void theLauncherPicksTheFirstJava25FromJavaHomePathAndUsrLibJvm() throws IOException {
        Path old8 = fakeJava("fake-8", "1.8.0_452", "1.8");
        Path old17 = fakeJava("fake-17", "17.0.15", "17");
        Path java25 = fakeJava("fake-25", "25.0.1", "25");
        Path java26 = fakeJava("fake-26", "26", "26");
        Path noRelease = fakeJava("fake-norelease", null, "25");
        Path tools = toolsDir();
        Path pathJava = Files.createDirectories(dir.resolve("path-java"));
        Files.createSymbolicLink(pathJava.resolve("java"), java26.resolve("bin/java"));
        String jarArgs = " --enable-native-access=ALL-UNNAMED -jar /usr/share/dispatcher/dispatcher.jar --version\n";
        String plainPath = "PATH=" + quote(tools);

        // 1. JAVA_HOME when new enough, with DISPATCHER_JAVA_OPTS before the launcher's own options.
        Shell.Result r = launch(List.of(java26), "JAVA_HOME=" + quote(java25) + " " + plainPath
                + " DISPATCHER_JAVA_OPTS='-Xmx64m -Dx=y'", "/usr/bin/dispatcher --version");
        assertEquals(java25 + "/bin/java -Xmx64m -Dx=y" + jarArgs, r.output());
        // A Java without a release file is asked for its version.
        r = launch(List.of(), "JAVA_HOME=" + quote(noRelease) + " " + plainPath, "/usr/bin/dispatcher --version");
        assertEquals(noRelease + "/bin/java" + jarArgs, r.output());

        // 2. java on PATH (resolved through its links to its home) when JAVA_HOME is too old.
        r = launch(List.of(java25), "JAVA_HOME=" + quote(old17) + " PATH=" + quote(pathJava + ":" + tools),
                "/usr/bin/dispatcher --version");
        assertEquals(java26 + "/bin/java" + jarArgs, r.output());

        // 3. The newest Java 25+ under /usr/lib/jvm; 1.8 is Java 8, not 1.
        r = launch(List.of(old8, java25, java26, old17), plainPath, "/usr/bin/dispatcher --version");
        assertEquals("/usr/lib/jvm/fake-26/bin/java" + jarArgs, r.output());
        r = launch(List.of(old8, java25), plainPath, "/usr/bin/realserver-setup --help");
        assertEquals("/usr/lib/jvm/fake-25/bin/java --enable-native-access=ALL-UNNAMED -jar"
                + " /usr/share/dispatcher/realserver-setup.jar --help\n", r.output());

        // 4. None: one clear line, exit 1.
        r = launch(List.of(old8, old17), "JAVA_HOME=" + quote(old17) + " " + plainPath,
                "/usr/bin/dispatcher --version");
        assertEquals(1, r.exit(), r.output());
        assertEquals("dispatcher: error: no Java 25 or newer found (looked at JAVA_HOME=" + old17
                + ", java on PATH, /usr/lib/jvm/*); install one, or set JAVA_HOME (for the service: in"
                + " /etc/default/dispatcher)\n", r.output());

        // 5. Only its two names.
        Path other = dir.resolve("other-name");
        Files.copy(Path.of("/usr/bin/dispatcher"), other);
        r = Shell.run(10, Map.of(), List.of(other.toString()));
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains("called as 'other-name'"), r.output());
    }

    @Test
    @Order(5)
    void unitsVerifyAndKeepTheirPromises() throws IOException {
        Shell.Result verify = Shell.run(60, Map.of(), List.of("systemd-analyze", "verify",
                "/lib/systemd/system/dispatcher.service", "/lib/systemd/system/realserver-setup.service"));
        assertEquals(0, verify.exit(), verify.output());
        assertTrue(verify.output().lines().noneMatch(l -> l.contains("dispatcher.service")
                || l.contains("realserver-setup.service")), verify.output());

        Map<String, List<String>> service = unit("dispatcher.service");
        assertEquals("dispatcher", only(service, "User"));
        assertEquals("/usr/bin/dispatcher run --config /etc/dispatcher/dispatcher.yaml", only(service, "ExecStart"));
        assertEquals("/bin/kill -HUP $MAINPID", only(service, "ExecReload"));
        assertEquals("CAP_NET_RAW CAP_NET_ADMIN", only(service, "AmbientCapabilities"));
        assertEquals(only(service, "AmbientCapabilities"), only(service, "CapabilityBoundingSet"));
        assertEquals("/etc/dispatcher", only(service, "ReadWritePaths"));
        assertEquals("dispatcher", only(service, "StateDirectory"), "where the flow table is saved between runs");
        assertEquals("strict", only(service, "ProtectSystem"));
        assertFalse(service.containsKey("MemoryDenyWriteExecute"), "the JIT needs W+X memory");

        Map<String, List<String>> realserver = unit("realserver-setup.service");
        assertEquals("oneshot", only(realserver, "Type"));
        assertEquals("yes", only(realserver, "RemainAfterExit"));
        assertEquals(List.of("-/etc/default/dispatcher", "/etc/dispatcher/realserver.env"),
                realserver.get("EnvironmentFile"));
        assertTrue(only(realserver, "Before").contains("network-pre.target"));
    }

    @Test
    @Order(6)
    void theRealServerUnitPassesEachVipOfTheEnvironmentFile() throws IOException {
        // systemd passes "$$" as "$" to the shell; `plan` accepts apply's options and changes nothing.
        String execStart = only(unit("realserver-setup.service"), "ExecStart");
        String prefix = "/bin/sh -c '";
        assertTrue(execStart.startsWith(prefix) && execStart.endsWith("'"), execStart);
        String script = execStart.substring(prefix.length(), execStart.length() - 1).replace("$$", "$");
        assertTrue(script.contains(" /usr/bin/realserver-setup apply "), script);
        String plan = script.replace(" /usr/bin/realserver-setup apply ", " /usr/bin/realserver-setup plan ");
        Map<String, String> env = new LinkedHashMap<>(Map.of("PATH", PATH_ENV, "JAVA_HOME", JAVA_HOME));

        env.put("VIPS", "198.18.0.100  198.18.0.101");
        env.put("REALSERVER_SETUP_OPTIONS", "--arp-ignore 1 --state-dir " + dir.resolve("state"));
        Shell.Result r = Shell.run(60, env, List.of("/bin/sh", "-c", plan));
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().startsWith("Plan for 198.18.0.100, 198.18.0.101 (arp_ignore 1): "), r.output());
        assertTrue(r.output().contains("Nothing was changed (plan only)."), r.output());

        env.put("VIPS", "");
        r = Shell.run(60, env, List.of("/bin/sh", "-c", plan));
        assertEquals(1, r.exit(), r.output());
        assertEquals("realserver-setup.service: VIPS is empty in /etc/dispatcher/realserver.env\n", r.output());
    }

    /**
     * dispatcher.service's ExecStart, run as its User with exactly its capabilities (setpriv, as
     * systemd would) on the installed default configuration, in an anonymous network namespace whose
     * eth0 is one end of a veth pair. Last, because its {@code config save} replaces the installed
     * /etc/dispatcher/dispatcher.yaml that the file test checks.
     */
    @Test
    @Order(7)
    void theServiceRunsAsItsUserWithTwoCapabilitiesLogsJsonReloadsAndSaves() throws Exception {
        Map<String, List<String>> service = unit("dispatcher.service");
        String caps = String.join(",", Stream.of(only(service, "AmbientCapabilities").split(" "))
                .map(c -> "+" + c.toLowerCase().replace("cap_", "")).toList());
        String script = "ip link set lo up\n"
                + "ip link add eth0 type veth peer name peer0\n"
                + "ip addr add 198.18.0.2/24 dev eth0\n"
                + "ip link set eth0 up\nip link set peer0 up\n"
                + "exec env -i PATH=" + PATH_ENV + " JAVA_HOME=" + quote(JAVA_HOME) + " DISPATCHER_LOG_FORMAT=json"
                + " setpriv --reuid=" + only(service, "User") + " --regid=" + only(service, "Group") + " --clear-groups"
                + " --inh-caps=-all," + caps + " --ambient-caps=-all," + caps + " --bounding-set=-all," + caps
                + " --no-new-privs " + only(service, "ExecStart") + "\n";
        Process p = new ProcessBuilder("unshare", "-n", "sh", "-ec", script)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        List<IOException> readFailure = Collections.synchronizedList(new ArrayList<>());
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    log.add(line);
                }
            } catch (IOException e) {
                readFailure.add(e);
            }
        });
        try {
            awaitLog(log, p, m -> m.startsWith("dispatcher on eth0 "));

            // The process (unshare, sh, env, setpriv and the launcher all exec'd into the JVM) is
            // the service user's, with the unit's two capabilities and nothing more.
            Map<String, String> status = new LinkedHashMap<>();
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                int colon = line.indexOf(':');
                status.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
            String uid = Shell.run(5, Map.of(), List.of("id", "-u", "dispatcher")).output().strip();
            assertEquals(String.join("\t", uid, uid, uid, uid), status.get("Uid"));
            String netRawAndNetAdmin = "0000000000003000"; // bits 12 (CAP_NET_ADMIN) and 13 (CAP_NET_RAW)
            assertEquals(netRawAndNetAdmin, status.get("CapEff"), status.toString());
            assertEquals(netRawAndNetAdmin, status.get("CapAmb"), status.toString());
            assertEquals(netRawAndNetAdmin, status.get("CapBnd"), status.toString());
            assertEquals("1", status.get("NoNewPrivs"));

            // ExecReload: SIGHUP re-reads the file.
            String reload = only(service, "ExecReload").replace("$MAINPID", Long.toString(p.pid()));
            assertEquals(0, Shell.sh(10, Map.of(), reload).exit());
            awaitLog(log, p, m -> m.equals("reloaded /etc/dispatcher/dispatcher.yaml: no changes"));

            // config save: the service user replaces the file in /etc/dispatcher (group-writable
            // directory); the CLI presents the token postinst generated.
            Shell.Result save = Shell.run(60, Map.of("PATH", PATH_ENV, "JAVA_HOME", JAVA_HOME),
                    List.of("nsenter", "--target", Long.toString(p.pid()),
                            "--net", "/usr/bin/dispatcher", "config", "save"));
            assertEquals(0, save.exit(), save.output());
            assertEquals("/etc/dispatcher/dispatcher.yaml\n", save.output());
            awaitLog(log, p, m -> m.equals("running configuration saved to /etc/dispatcher/dispatcher.yaml"));
            assertTrue(Files.readString(Path.of("/etc/dispatcher/dispatcher.yaml"))
                    .startsWith("# Written by the dispatcher"));
            assertEquals("dispatcher", Files.getOwner(Path.of("/etc/dispatcher/dispatcher.yaml")).getName());
            assertEquals("rwxrwxr-x", mode(Path.of("/etc/dispatcher")));

            // Stop as systemd does (SIGTERM): 143 is the clean exit the unit accepts (SuccessExitStatus).
            // Through the handle: Process.destroy() would also close stderr before the last lines.
            p.toHandle().destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "stopped within 20 s:\n" + String.join("\n", log));
            reader.join(5_000);
            assertEquals(List.of(), readFailure);
            assertEquals(143, p.exitValue(), String.join("\n", log));
            assertEquals(List.of("143"), service.get("SuccessExitStatus"));
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }

        // Every line on stderr is one JSON object with level, logger and message.
        List<String> lines = List.copyOf(log);
        assertFalse(lines.isEmpty());
        for (String line : lines) {
            JsonNode event = JSON.readTree(line);
            assertTrue(event.path("level").isTextual() && event.path("loggerName").isTextual()
                    && event.path("formattedMessage").isTextual(), line);
        }
        assertTrue(messages(lines).anyMatch(m -> m.startsWith("stopped: received ")), String.join("\n", lines));
    }

    private static Stream<String> messages(List<String> lines) {
        return lines.stream().map(line -> {
            try {
                return JSON.readTree(line).path("formattedMessage").asText();
            } catch (IOException e) {
                return "(not JSON) " + line;
            }
        });
    }

    private static void awaitLog(List<String> log, Process p, Predicate<String> message) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (messages(List.copyOf(log)).anyMatch(message)) {
                return;
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(100);
        }
        fail("expected log line did not come (process " + (p.isAlive() ? "running" : "exited") + "):\n"
                + String.join("\n", List.copyOf(log)));
    }
}
