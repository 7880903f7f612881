package dev.dispatcher.cli;

import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import dev.dispatcher.config.PipelineMode;
import dev.dispatcher.control.CounterSnapshot;
import dev.dispatcher.control.Replay;
import dev.dispatcher.dataplane.core.Verdict;
import dev.dispatcher.dataplane.io.PacketIoException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Run the forwarding pipeline offline, from a pcap file to a pcap file (no root needed).")
final class ReplayCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
            description = "The YAML configuration file.")
    Path config;

    @Option(names = "--in", required = true, paramLabel = "PCAP",
            description = "Input capture: pcap (not pcapng), Ethernet; a damaged record fails the run.")
    Path in;

    @Option(names = "--out", required = true, paramLabel = "PCAP",
            description = "Output capture: the frames the dispatcher sends. Written only when the whole run succeeds "
                    + "(through a temporary file beside it); never the input file.")
    Path out;

    @Option(names = "--mac", defaultValue = "02:00:00:00:00:02", paramLabel = "MAC",
            description = "The dispatcher's own (unicast) MAC for the replay. Default: ${DEFAULT-VALUE}.")
    String mac;

    @Option(names = "--ip", defaultValue = "0.0.0.0", paramLabel = "IPV4",
            description = "The dispatcher's own IPv4 address (sender of its ARP requests). Default: ${DEFAULT-VALUE}.")
    String ip;

    @Option(names = "--mtu", defaultValue = "1500", paramLabel = "BYTES",
            description = "Interface MTU. Default: ${DEFAULT-VALUE}.")
    int mtu;

    @Option(names = "--mode", paramLabel = "MODE",
            description = "Threading mode: auto, inline, ring or fanout (fanout replays as ring: one file, "
                    + "our flow hash picks the worker; default: from the configuration).")
    String mode;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        DispatcherConfig loaded = ConfigFiles.loadOrReport(config, err);
        if (loaded == null) {
            return DispatcherMain.EXIT_CONFIG;
        }
        long ownMac;
        int ownIp;
        PipelineMode pipelineMode;
        try {
            ownMac = MacAddress.parse(mac);
        } catch (IllegalArgumentException e) {
            err.println("--mac: not a MAC address: " + mac);
            return DispatcherMain.EXIT_CONFIG;
        }
        // Frames to a group or the zero MAC are not for one host: with such an own MAC the replay
        // would pass every frame as not ours and answer ARP with a MAC no client may use.
        if (!MacAddress.isUnicast(ownMac)) {
            err.println("--mac: must be a unicast MAC address, found " + mac + (ownMac == 0 ? " (all zeros)"
                    : " (the group bit of the first octet is set: multicast)"));
            return DispatcherMain.EXIT_CONFIG;
        }
        try {
            ownIp = Ipv4.parse(ip);
        } catch (IllegalArgumentException e) {
            err.println("--ip: not an IPv4 address: " + ip);
            return DispatcherMain.EXIT_CONFIG;
        }
        // 0.0.0.0 is allowed: no address of our own, the sender of an ARP probe (RFC 5227).
        Optional<String> notAHost = ownIp == 0 ? Optional.empty() : Ipv4.whyNotUnicast(ownIp);
        if (notAHost.isPresent()) {
            err.println("--ip: must be a unicast address or 0.0.0.0, found " + ip + " (" + notAHost.get() + ")");
            return DispatcherMain.EXIT_CONFIG;
        }
        try {
            pipelineMode = mode == null ? loaded.pipeline().mode()
                    : PipelineMode.valueOf(mode.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            err.println("--mode: expected auto, inline, ring or fanout, found " + mode);
            return DispatcherMain.EXIT_CONFIG;
        }
        if (mtu < 68 || mtu > 65535) {
            err.println("--mtu: must be from 68 to 65535, found " + mtu);
            return DispatcherMain.EXIT_CONFIG;
        }
        String badFile = badFiles();
        if (badFile != null) {
            err.println(badFile);
            return DispatcherMain.EXIT_CONFIG;
        }
        CounterSnapshot counters;
        try {
            counters = Replay.run(loaded, pipelineMode, in, out, ownMac, ownIp, mtu);
        } catch (PacketIoException e) {
            err.println("error: " + e.getMessage());
            return DispatcherMain.EXIT_FAILURE;
        }
        PrintWriter o = spec.commandLine().getOut();
        o.printf("received %d, forwarded %d, passed %d, dropped %d%n", counters.received(),
                counters.verdicts()[Verdict.FORWARDED], counters.passed(), counters.dropped());
        o.print(counters.verdictSummary());
        o.flush();
        // PrintWriter keeps write errors to itself: `replay ... > /dev/full` must not look like success.
        if (o.checkError()) {
            err.println("error: cannot write the summary to standard output");
            return DispatcherMain.EXIT_FAILURE;
        }
        return 0;
    }

    /** What is wrong with --in and --out before anything is opened, or null. */
    private String badFiles() {
        if (Files.isDirectory(in)) {
            return "--in: " + in + " is a directory";
        }
        if (Files.isDirectory(out)) {
            return "--out: " + out + " is a directory";
        }
        if (Replay.isSameFile(config, out)) {
            return "--out: " + out + " is the configuration file (--config " + config + "): refusing to overwrite it";
        }
        if (Replay.isSameFile(in, out)) {
            return "--out: " + out + " is the input file (--in " + in
                    + "): refusing to overwrite the capture being read";
        }
        Path directory = out.getParent();
        if (!Files.exists(out) && directory != null && !Files.isDirectory(directory)) {
            return "--out: directory " + directory + " does not exist";
        }
        return null;
    }
}
