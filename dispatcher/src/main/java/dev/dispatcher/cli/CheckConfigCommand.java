package dev.dispatcher.cli;

import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Durations;
import dev.dispatcher.config.IoBackend;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.config.RxRing;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Validate a configuration file and report every error with file, line and field; starts nothing.")
final class CheckConfigCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The YAML configuration file.")
    Path file;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        DispatcherConfig config = ConfigFiles.loadOrReport(file, spec.commandLine().getErr());
        if (config == null) {
            return DispatcherMain.EXIT_CONFIG;
        }
        int services = config.clusters().stream().mapToInt(c -> c.ports().size()).sum();
        var io = config.io();
        String rx = io.backend() != IoBackend.AFPACKET ? ""
                : io.rxRing() == RxRing.BLOCKS
                        ? ", rx-ring blocks retired after " + Durations.format(io.rxBlockTimeout())
                        : ", rx-ring frames";
        spec.commandLine().getOut().printf(
                "%s: OK (%d cluster(s), %d service(s), interface %s, io %s%s, pipeline %s)%n",
                file, config.clusters().size(), services, config.interfaceName(), io.backend().configName(), rx,
                pipelineSummary(config));
        return 0;
    }

    /** The threading mode as written, with the worker count where it matters. */
    static String pipelineSummary(DispatcherConfig config) {
        var p = config.pipeline();
        return p.mode() == PipelineMode.INLINE || p.mode() == PipelineMode.AUTO ? p.mode().configName()
                : p.mode().configName() + " with " + p.workers() + " worker(s)";
    }
}
