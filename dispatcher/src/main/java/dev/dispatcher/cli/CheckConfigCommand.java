package dev.dispatcher.cli;

import dev.dispatcher.config.DispatcherConfig;
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
        spec.commandLine().getOut().printf("%s: OK (%d cluster(s), %d service(s), interface %s)%n", file,
                config.clusters().size(), services, config.interfaceName());
        return 0;
    }
}
