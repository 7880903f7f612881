package dev.dispatcher.control.ha;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code ha.notify} with the new state and the reason as arguments, one call at a time in
 * the order of the changes, off the HA thread: a slow or hanging script never delays a takeover.
 * A call is killed after {@link #TIMEOUT_SECONDS}; its failure is logged, nothing else.
 */
final class HaNotifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HaNotifier.class);
    static final int TIMEOUT_SECONDS = 30;

    private final Optional<Path> program;
    private final ExecutorService calls = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("dispatcher-ha-notify").daemon().factory());

    HaNotifier(Optional<Path> program) {
        this.program = program;
    }

    void notify(String state, String reason) {
        if (program.isEmpty() || calls.isShutdown()) {
            // Stopping: the change that comes with the stop is not announced.
            return;
        }
        try {
            calls.execute(() -> run(program.get(), state, reason));
        } catch (RejectedExecutionException stopped) {
            LOG.debug("HA: notify after the stop not run ({})", state);
        }
    }

    private static void run(Path program, String state, String reason) {
        try {
            Process process = new ProcessBuilder(program.toString(), state, reason)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                LOG.warn("HA: notify program {} {} did not end within {} s; killed", program, state, TIMEOUT_SECONDS);
            } else if (process.exitValue() != 0) {
                LOG.warn("HA: notify program {} {} exited with {}", program, state, process.exitValue());
            }
        } catch (IOException e) {
            LOG.warn("HA: notify program {} could not run: {}", program, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        calls.shutdown();
    }
}
