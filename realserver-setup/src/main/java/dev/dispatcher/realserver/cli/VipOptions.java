package dev.dispatcher.realserver.cli;

import dev.dispatcher.realserver.kernel.Ipv4Address;
import dev.dispatcher.realserver.state.StateStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every command shares: which VIPs, and where the state of this real server lives. */
final class VipOptions {
    @Option(names = "--vip", paramLabel = "ADDRESS", converter = Converters.Vip.class,
            description = "A virtual IP address (IPv4) the balancer forwards to this host; repeat for several.")
    List<Ipv4Address> vips = new ArrayList<>();

    @Option(names = "--state-dir", paramLabel = "DIR", converter = Converters.Directory.class,
            description = "Where the record of applied changes lives (default: ${DEFAULT-VALUE}); one per real server"
                    + " when several run on one host, e.g. one per network namespace.")
    Path stateDir = StateStore.DEFAULT_DIR;

    /** The VIPs without repeats, in the order given. */
    List<Ipv4Address> distinctVips() {
        return List.copyOf(new LinkedHashSet<>(vips));
    }
}
