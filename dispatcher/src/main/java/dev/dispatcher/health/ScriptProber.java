package dev.dispatcher.health;

import dev.dispatcher.config.Ipv4;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Up when a command exits with status 0 within the timeout. The command is run directly (no
 * shell), with the dispatcher's environment plus {@code SERVER_ADDRESS}, {@code SERVER_PORT} and
 * {@code VIP}, and without any capability ({@link CapabilityDrop}: when they cannot be dropped,
 * the script is not run and the probe fails with the reason). Its standard input is empty and its
 * output is discarded, so a chatty script cannot fill a pipe and block, nor the dispatcher's
 * memory. A script still running at the timeout is killed with its descendants.
 */
public final class ScriptProber implements Prober {
    /** How long to wait for a killed script to be reaped before giving up on it. */
    private static final long REAP_MILLIS = 1000;

    private final List<String> command;
    private final Duration timeout;
    private final Supplier<CapabilityDrop> drop;

    public ScriptProber(List<String> command, Duration timeout) {
        this(command, timeout, CapabilityDrop::system);
    }

    /** With {@code drop} asked at each probe (the system's is checked at the first). */
    ScriptProber(List<String> command, Duration timeout, Supplier<CapabilityDrop> drop) {
        this.command = List.copyOf(command);
        if (this.command.isEmpty() || !Path.of(this.command.getFirst()).isAbsolute()) {
            throw new IllegalArgumentException("a script advisor needs a command, its program's absolute path first");
        }
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.drop = Objects.requireNonNull(drop, "drop");
    }

    @Override
    public ProbeResult probe(ProbeTarget target) {
        long start = System.nanoTime();
        CapabilityDrop capabilities = drop.get();
        Optional<String> problem = capabilities.problem();
        if (problem.isPresent()) {
            return ProbeResult.down("not run: " + problem.get(), start);
        }
        // setpriv would start and then fail to exec: say why here, as starting it directly would.
        String program = command.getFirst();
        if (!Files.isRegularFile(Path.of(program)) || !Files.isExecutable(Path.of(program))) {
            return ProbeResult.down("cannot run " + program + ": "
                    + (Files.exists(Path.of(program)) ? "not an executable file" : "no such file"), start);
        }
        ProcessBuilder builder = new ProcessBuilder(capabilities.wrap(command))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> environment = builder.environment();
        environment.put("SERVER_ADDRESS", Ipv4.format(target.serverAddress()));
        environment.put("SERVER_PORT", Integer.toString(target.port()));
        environment.put("VIP", Ipv4.format(target.vip()));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return ProbeResult.down("cannot run " + program + ": " + ProbeFailures.describe(e), start);
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // The script may already have exited; its stdin is closed either way.
        }
        try {
            if (!process.waitFor(ProbeFailures.timeoutMillis(timeout), TimeUnit.MILLISECONDS)) {
                kill(process);
                return ProbeResult.down("script timed out after " + ProbeFailures.timeoutMillis(timeout) + " ms",
                        start);
            }
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            return ProbeResult.down("interrupted", start);
        }
        int status = process.exitValue();
        String reason = "exit status " + status;
        return status == 0 ? ProbeResult.up(reason, start) : ProbeResult.down(reason, start);
    }

    /**
     * Kills the script and everything it started. The descendants are listed before the script
     * dies: afterwards they are orphans, reparented away, and no longer found from it. A child
     * forked between the listing and the kill escapes; a script that daemonizes on purpose is
     * beyond any advisor.
     */
    private static void kill(Process process) {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
        boolean interrupted = Thread.interrupted();
        try {
            process.waitFor(REAP_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
