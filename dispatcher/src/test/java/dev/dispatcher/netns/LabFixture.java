package dev.dispatcher.netns;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One lab (deploy/lab/lab.sh) for a test class: a client, the dispatcher host and three real
 * servers in network namespaces named PREFIX-*, with the dispatcher started from a given YAML.
 * Only 198.18.0.0/24; every command bounded in time; {@link #down} removes everything.
 */
final class LabFixture {
    static final String VIP = "198.18.0.100";
    static final String DISPATCHER_MAC = "02:00:00:00:00:02";
    private static final Pattern MAC = Pattern.compile("(?i)\\b([0-9a-f]{2}(?::[0-9a-f]{2}){5})\\b");

    final String prefix;
    final Path repo = Path.of("..").toAbsolutePath().normalize();
    final Path labDir;
    final Map<String, String> env = new HashMap<>();
    private boolean up;

    LabFixture(String prefix) {
        this.prefix = prefix;
        this.labDir = Path.of("/tmp/" + prefix);
        env.put("LAB_PREFIX", prefix);
        env.put("LAB_DIR", labDir.toString());
    }

    String client() {
        return prefix + "-client";
    }

    String disp() {
        return prefix + "-disp";
    }

    void up() {
        NetnsPreconditions.require();
        Shell.run(120, env, List.of(lab("lab.sh"), "down"));
        up = true;
        Shell.Result r = Shell.run(240, env, List.of(lab("lab.sh"), "up"));
        assertTrue(r.ok(), "lab up failed:\n" + r.output());
    }

    void down() {
        if (!up) {
            return;
        }
        Shell.run(30, env, List.of(lab("dispatcher.sh"), "stop"));
        Shell.Result r = Shell.run(120, env, List.of(lab("lab.sh"), "down"));
        assertTrue(r.ok(), "lab down failed:\n" + r.output());
    }

    String lab(String script) {
        return repo.resolve("deploy/lab").resolve(script).toString();
    }

    /** The lab's dispatcher configuration with {@code extra} YAML appended (pipeline, admin ...). */
    String labConfig(String extra) throws IOException {
        // Without the file's state-dir (the default lab's): startDispatcher gives this lab's own.
        String file = Files.readString(repo.resolve("deploy/lab/dispatcher-lab.yaml")).lines()
                .filter(l -> !l.startsWith("state-dir:")).collect(java.util.stream.Collectors.joining("\n"));
        return file + "\n" + extra;
    }

    /**
     * (Re)starts the dispatcher in the dispatcher namespace with {@code yaml}, written to NAME.yaml.
     * A configuration without {@code state-dir} gets the lab's own (LAB_DIR/state), so that no
     * test writes its flow snapshot to the host's /var/lib/dispatcher or restores another's.
     */
    Path startDispatcher(String name, String yaml) throws IOException {
        Files.createDirectories(labDir);
        Path config = labDir.resolve(name + ".yaml");
        Files.writeString(config, withStateDir(yaml));
        Map<String, String> e = new HashMap<>(env);
        e.put("DISPATCHER_CONFIG", config.toString());
        stopDispatcher();
        Shell.Result start = Shell.run(90, e, List.of(lab("dispatcher.sh"), "start"));
        assertTrue(start.ok(), "dispatcher start (" + name + ") failed:\n" + start.output());
        return config;
    }

    /** {@code yaml} with the lab's state directory when it names none. */
    String withStateDir(String yaml) {
        return yaml.lines().anyMatch(l -> l.startsWith("state-dir:")) ? yaml
                : "state-dir: " + labDir.resolve("state") + "\n" + yaml;
    }

    void stopDispatcher() {
        Shell.run(30, env, List.of(lab("dispatcher.sh"), "stop"));
    }

    Shell.Result inClient(int timeoutSeconds, String script) {
        return Shell.run(timeoutSeconds, env, List.of("ip", "netns", "exec", client(), "bash", "-c", script));
    }

    Shell.Result inNamespace(String namespace, int timeoutSeconds, List<String> command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(command);
        return Shell.run(timeoutSeconds, env, full);
    }

    /** The dispatcher's own CLI, run in the dispatcher's namespace (its admin API is on loopback there). */
    Shell.Result cli(int timeoutSeconds, String... args) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar",
                repo.resolve("dispatcher/target/dispatcher.jar").toString()));
        command.addAll(List.of(args));
        return inNamespace(disp(), timeoutSeconds, command);
    }

    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    String dispatcherLog() {
        try {
            List<String> lines = Files.readAllLines(labDir.resolve("dispatcher.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no dispatcher log: " + e + ")";
        }
    }

    /** MACs that answer ARP for the VIP from the client, over three probes (arping flavour-agnostic). */
    Set<String> arpResponders() {
        Shell.Result r = Shell.sh(30, env, "source " + lab("lab-common.sh") + "; for i in 1 2 3; do arp_probe "
                + client() + " " + VIP + " 2; done");
        Set<String> macs = new TreeSet<>();
        Matcher m = MAC.matcher(r.output());
        while (m.find()) {
            macs.add(m.group(1).toLowerCase());
        }
        return macs;
    }

    /** {@code count} requests to the VIP, each on a new connection; answers per server name. */
    Map<String, Integer> split(int count) {
        String urls = ("http://" + VIP + "/ ").repeat(count);
        Shell.Result r = inClient(60 + count / 5, "curl -s --max-time 5 -H 'Connection: close' " + urls);
        Map<String, Integer> counts = new java.util.TreeMap<>();
        for (String line : r.output().split("\n")) {
            if (line.matches("rs[123]")) {
                counts.merge(line, 1, Integer::sum);
            }
        }
        return counts;
    }

    long rxBytes(String namespace) {
        Shell.Result r = inNamespace(namespace, 5, List.of("cat", "/sys/class/net/eth0/statistics/rx_bytes"));
        assertTrue(r.ok(), r.output());
        return Long.parseLong(r.output().strip());
    }
}
