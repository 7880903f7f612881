package dev.dispatcher.realserver.cli;

import dev.dispatcher.realserver.plan.ApplyRequest;
import dev.dispatcher.realserver.plan.HiddenArpSettings;
import dev.dispatcher.realserver.state.BootFiles;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options of {@code apply}, shared with {@code plan} so both always accept the same line. */
final class ApplyOptions {
    @Mixin
    VipOptions common = new VipOptions();

    @Option(names = "--arp-ignore", paramLabel = "MODE", converter = Converters.ArpIgnore.class,
            description = "3 (default, the recipe): answer no ARP for scope-host addresses such as the VIP on lo;"
                    + " 1 (the common LVS setting): answer only for addresses on the receiving interface.")
    int arpIgnore = HiddenArpSettings.ARP_IGNORE_SCOPE_HOST;

    @Option(names = "--persist",
            description = "Also write a sysctl.d file and an enabled systemd oneshot unit that "
                    + "re-applies the VIPs at boot."
                    + " Once persisted, later runs keep these files current until remove.")
    boolean persist;

    @Option(names = "--sysctl-dir", paramLabel = "DIR", converter = Converters.Directory.class,
            description = "Where --persist writes its sysctl file (default: ${DEFAULT-VALUE}).")
    Path sysctlDir = BootFiles.DEFAULT_SYSCTL_DIR;

    @Option(names = "--systemd-dir", paramLabel = "DIR", converter = Converters.Directory.class,
            description = "Where --persist writes its unit (default: ${DEFAULT-VALUE}).")
    Path systemdDir = BootFiles.DEFAULT_SYSTEMD_DIR;

    ApplyRequest request() {
        return new ApplyRequest(common.distinctVips(), arpIgnore, persist, sysctlDir, systemdDir);
    }
}
