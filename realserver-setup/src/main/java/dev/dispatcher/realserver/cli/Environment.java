package dev.dispatcher.realserver.cli;

import dev.dispatcher.realserver.kernel.CommandRunner;
import dev.dispatcher.realserver.kernel.IpTool;
import dev.dispatcher.realserver.kernel.Privileges;
import dev.dispatcher.realserver.kernel.ProcSys;
import dev.dispatcher.realserver.kernel.ProcessCommandRunner;
import java.nio.file.Path;

/**
 * Where the commands find the host: {@code /proc/sys}, {@code /proc/self/status}, PATH and a way
 * to run programs. Tests point these at a fake tree and a fake {@code ip}.
 */
public record Environment(ProcSys procSys, Path procSelfStatus, String pathEnv, CommandRunner runner) {
    /** Long enough for a loaded host, short enough that a hung ip cannot stall a boot. */
    private static final long COMMAND_TIMEOUT_MILLIS = 10_000;

    public static Environment live() {
        return new Environment(new ProcSys(ProcSys.DEFAULT_ROOT), Path.of("/proc/self/status"),
                System.getenv("PATH"), new ProcessCommandRunner(COMMAND_TIMEOUT_MILLIS));
    }

    /** The ip binary, or a one-line error when iproute2 is missing; looked up before any change. */
    IpTool ip() {
        return IpTool.require(pathEnv, runner);
    }

    Privileges privileges() {
        return Privileges.read(procSelfStatus);
    }
}
