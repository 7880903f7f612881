package dev.dispatcher.netns.afpacket;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Test helpers for network namespaces: shell commands with deadlines, and running a piece of Java
 * on the current thread inside a named namespace (setns(2) moves only the calling thread, and a
 * socket keeps the namespace it was created in after the thread moves back).
 */
@SuppressWarnings("restricted")
public final class Netns {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = LINKER.downcallHandle(LINKER.defaultLookup().find("setns").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private Netns() {
    }

    /** Root, `ip` and python3 (the independent raw sender); fails under CI=true, else skips. */
    static void require() {
        String problem = null;
        if (!sh(5, "id -u").output().strip().equals("0")) {
            problem = "not root (network namespaces and AF_PACKET need root)";
        } else if (!sh(5, "command -v ip && command -v python3").ok()) {
            problem = "missing ip or python3";
        } else if (!sh(10, "ip netns add afp-probe && ip netns del afp-probe").ok()) {
            problem = "cannot create network namespaces";
        }
        if (problem != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but the AF_PACKET netns test cannot run: " + problem);
            }
            assumeTrue(false, "skipped: " + problem);
        }
    }

    static Result sh(int timeoutSeconds, String script) {
        return run(timeoutSeconds, List.of("bash", "-c", script));
    }

    static Result run(int timeoutSeconds, List<String> command) {
        try {
            Path out = Files.createTempFile("afp-it", ".out");
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                    return new Result(124, Files.readString(out, StandardCharsets.UTF_8) + " [timed out]");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return new Result(127, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, "interrupted");
        }
    }

    static void must(String script) {
        Result r = sh(30, script);
        if (!r.ok()) {
            throw new AssertionError("failed (" + r.exit() + "): " + script + "\n" + r.output());
        }
    }

    /** Runs {@code body} on this thread inside namespace {@code name}, then moves the thread back. */
    public static <T> T inside(String name, Callable<T> body) throws Exception {
        int home = open("/proc/thread-self/ns/net");
        int target = open("/var/run/netns/" + name);
        try {
            setns(target);
            try {
                return body.call();
            } finally {
                setns(home);
            }
        } finally {
            close(target);
            close(home);
        }
    }

    private static int open(String path) {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) OPEN.invokeExact(arena.allocateFrom(path), 0, 0);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (fd < 0) {
            throw new IllegalStateException("cannot open " + path);
        }
        return fd;
    }

    private static void setns(int fd) {
        int r;
        try {
            r = (int) SETNS.invokeExact(fd, CLONE_NEWNET);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (r != 0) {
            throw new IllegalStateException("setns failed");
        }
    }

    private static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
            assert ignored == 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
