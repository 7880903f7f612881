package dev.dispatcher.realserver.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The iproute2 {@code ip} binary: reads addresses with {@code ip -json addr show} and changes them
 * with {@code ip -4 addr add|del}.
 *
 * <p>Addresses go through {@code ip} rather than raw netlink because {@code ip} is what operators
 * use to check the result, and its messages ("RTNETLINK answers: File exists") are the ones they
 * know. It is looked up on PATH once, before any change, so a host without iproute2 fails cleanly.
 */
public final class IpTool {
    private final Path binary;
    private final CommandRunner runner;

    public IpTool(Path binary, CommandRunner runner) {
        this.binary = binary;
        this.runner = runner;
    }

    /** Finds an executable {@code ip} on the given PATH value, as a shell would. */
    public static Optional<Path> locate(String pathEnv) {
        if (pathEnv == null) {
            return Optional.empty();
        }
        for (String dir : pathEnv.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "ip");
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /** Locates {@code ip} or fails with the line the operator needs. */
    public static IpTool require(String pathEnv, CommandRunner runner) {
        Path binary = locate(pathEnv).orElseThrow(() -> new SetupException(
                "the ip command (iproute2) is not on PATH; install iproute2 (apt-get install iproute2)"));
        return new IpTool(binary, runner);
    }

    public Path binary() {
        return binary;
    }

    public List<NetLink> links() {
        CommandRunner.Result result = runner.run(List.of(binary.toString(), "-json", "addr", "show"));
        if (!result.ok()) {
            throw new SetupException("ip -json addr show failed: " + result.firstErrorLine());
        }
        try {
            return IpAddrJson.parse(result.stdout());
        } catch (IllegalArgumentException ex) {
            throw new SetupException("cannot read the output of ip -json addr show: " + ex.getMessage(), ex);
        }
    }

    public void add(InterfaceAddress address) {
        change("add", address);
    }

    public void delete(InterfaceAddress address) {
        change("del", address);
    }

    /** The command line that {@link #add} runs, for plans and the boot unit. */
    public static String addCommand(String ip, InterfaceAddress address) {
        return ip + " -4 addr add " + address.ipArguments();
    }

    private void change(String verb, InterfaceAddress address) {
        List<String> argv = new ArrayList<>(List.of(binary.toString(), "-4", "addr", verb));
        argv.addAll(address.ipArgumentList());
        CommandRunner.Result result = runner.run(argv);
        if (!result.ok()) {
            throw new SetupException("ip -4 addr " + verb + " " + address.ipArguments() + " failed: "
                    + result.firstErrorLine());
        }
    }
}
