package dev.dispatcher.cli;

import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Durations;
import dev.dispatcher.control.Dispatcher;
import dev.dispatcher.control.InterfaceInfo;
import dev.dispatcher.dataplane.io.PacketIoException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Take over the configured VIPs on the interface and forward their flows to the real servers.")
final class RunCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The YAML configuration file.")
    Path config;

    @Option(names = "--status-interval", defaultValue = "10s", paramLabel = "DURATION",
            description = "How often to log what changed (servers resolved or lost, drops that need action). Default: ${DEFAULT-VALUE}.")
    String statusInterval;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        DispatcherConfig loaded = ConfigFiles.loadOrReport(config, spec.commandLine().getErr());
        if (loaded == null) {
            return DispatcherMain.EXIT_CONFIG;
        }
        Duration interval;
        try {
            interval = Durations.parse(statusInterval);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("--status-interval: " + e.getMessage() + ", found \"" + statusInterval + "\"");
            return DispatcherMain.EXIT_CONFIG;
        }
        Dispatcher dispatcher;
        try {
            dispatcher = Dispatcher.open(loaded);
        } catch (InterfaceInfo.InterfaceException | PacketIoException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return DispatcherMain.EXIT_FAILURE;
        }
        Thread hook = new Thread(dispatcher::stop, "dispatcher-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            dispatcher.start();
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            Runtime.getRuntime().removeShutdownHook(hook);
            dispatcher.stop();
            return DispatcherMain.EXIT_FAILURE;
        }
        dev.dispatcher.control.ReloadSignal.install(() -> dispatcher.control().reload());
        dev.dispatcher.metrics.DispatcherMetrics.bind(dispatcher);
        dispatcher.monitorUntilStopped(interval);
        return 0;
    }
}
