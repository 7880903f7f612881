package dev.dispatcher.realserver.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program with a deadline. {@code ip} answers in milliseconds; a hung one (a stuck netlink
 * socket) must not hang a boot-time unit or an {@code apply} half-way through.
 */
public final class ProcessCommandRunner implements CommandRunner {
    private final long timeoutMillis;

    public ProcessCommandRunner(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public Result run(List<String> argv) {
        Process process;
        try {
            process = new ProcessBuilder(argv).start();
            process.getOutputStream().close();
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot run " + argv.getFirst() + ": " + ex.getMessage(), ex);
        }
        // Both streams drain concurrently so a chatty command cannot block on a full pipe.
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()));
        try {
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(1, TimeUnit.SECONDS);
                return new Result(124, "", String.join(" ", argv) + " did not finish within " + timeoutMillis + " ms");
            }
            return new Result(process.exitValue(), out.get(), err.get());
        } catch (InterruptedException ex) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Result(130, "", "interrupted while running " + argv.getFirst());
        } catch (ExecutionException ex) {
            return new Result(process.exitValue(), "",
                    "cannot read output of " + argv.getFirst() + ": " + ex.getCause());
        }
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
