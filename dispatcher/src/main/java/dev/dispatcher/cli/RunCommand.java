package dev.dispatcher.cli;

import dev.dispatcher.admin.AdminServer;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Durations;
import dev.dispatcher.control.Dispatcher;
import dev.dispatcher.control.InterfaceInfo;
import dev.dispatcher.control.ReloadSignal;
import dev.dispatcher.dataplane.io.PacketIoException;
import dev.dispatcher.metrics.DispatcherMetrics;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Take over the configured VIPs on the interface and forward their flows to the real servers.")
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "The YAML configuration file.")
    Path config;

    @Option(names = "--status-interval", defaultValue = "10s", paramLabel = "DURATION",
            description = "How often to log what changed (servers resolved or lost, drops that need action). "
                    + "Default: ${DEFAULT-VALUE}.")
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
            spec.commandLine().getErr()
                    .println("--status-interval: " + e.getMessage() + ", found \"" + statusInterval + "\"");
            return DispatcherMain.EXIT_CONFIG;
        }
        Dispatcher dispatcher;
        try {
            dispatcher = Dispatcher.open(loaded);
        } catch (InterfaceInfo.InterfaceException | PacketIoException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return DispatcherMain.EXIT_FAILURE;
        }
        // Before anything a supervisor can see (the admin port, the start's log lines): a SIGHUP sent
        // once the process looks ready must reload, never meet the JVM's default (exit).
        ReloadSignal.install(() -> dispatcher.control().reload());
        // The admin API first: nothing runs if it cannot listen.
        AdminServer admin;
        try {
            admin = new AdminServer(dispatcher.control(), loaded.admin());
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            dispatcher.stop();
            return DispatcherMain.EXIT_FAILURE;
        }
        LOG.info("admin API on {}:{} (changes need the token in {})", loaded.admin().host(), admin.port(),
                loaded.admin().tokenFile());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // Each step timed: the time from the signal to the exit is half of a restart's gap.
            long began = System.nanoTime();
            LOG.info("stopping");
            admin.close();
            long adminClosed = System.nanoTime();
            dispatcher.stop();
            LOG.info("stopped in {} ms (admin API {} ms, data plane and flow snapshot {} ms)",
                    (System.nanoTime() - began) / 1_000_000, (adminClosed - began) / 1_000_000,
                    (System.nanoTime() - adminClosed) / 1_000_000);
        }, "dispatcher-shutdown"));
        dispatcher.start();
        LOG.info("forwarding {} ms after the process started",
                System.currentTimeMillis() - ProcessHandle.current().info().startInstant()
                        .map(java.time.Instant::toEpochMilli).orElse(System.currentTimeMillis()));
        DispatcherMetrics.bind(dispatcher, admin);
        return dispatcher.monitorUntilStopped(interval) ? 0 : DispatcherMain.EXIT_FAILURE;
    }
}
