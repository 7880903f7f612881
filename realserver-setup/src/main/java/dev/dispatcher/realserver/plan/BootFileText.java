package dev.dispatcher.realserver.plan;

import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.state.BootFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@code --persist} writes so a reboot does not lose the setup: a sysctl.d file (applied by
 * systemd-sysctl early in boot) and a oneshot unit that puts the VIPs back on lo.
 *
 * <p>The unit runs {@code ip addr replace}, not this jar: it must work before the network and
 * without a JVM, and {@code replace} makes it idempotent. It is ordered after systemd-sysctl, so
 * ARP is hidden before any VIP appears, and before network-pre.target, so no network service brings
 * up an interface while the VIPs are missing. It is enabled by the same symlink
 * {@code systemctl enable} would create, which works without a running systemd.
 *
 * <p>Both files start with {@link #HEADER}. That line is how a later run tells its own file from
 * someone else's at the same path: only a file that carries it is rewritten or deleted.
 */
public final class BootFileText {
    static final String HEADER = "# Written by realserver-setup apply --persist; deleted by realserver-setup remove.\n";

    private BootFileText() {}

    public static String sysctlConf(List<Setting> settings, List<InterfaceAddress> vips) {
        StringBuilder out = new StringBuilder(HEADER);
        out.append("# Hidden ARP for the VIPs on lo of a direct-server-return real server: ")
                .append(String.join(", ", vips.stream().map(v -> v.address().toString()).toList()))
                .append(".\n");
        for (Setting s : settings) {
            out.append("\n# ").append(s.why()).append('\n');
            out.append(s.name()).append(" = ").append(s.value()).append('\n');
        }
        return out.toString();
    }

    public static String unit(BootFiles boot, Path ipBinary, List<InterfaceAddress> vips) {
        StringBuilder out = new StringBuilder(HEADER);
        out.append("# Puts the VIPs back on lo at boot; the ARP sysctls come from ").append(boot.sysctlFile())
                .append(".\n");
        out.append("""
                [Unit]
                Description=VIPs on lo for a direct-server-return load balancer (realserver-setup)
                DefaultDependencies=no
                After=systemd-sysctl.service
                Before=network-pre.target shutdown.target
                Wants=network-pre.target
                Conflicts=shutdown.target

                [Service]
                Type=oneshot
                RemainAfterExit=yes
                """);
        for (InterfaceAddress vip : vips) {
            out.append("ExecStart=").append(ipBinary).append(" -4 addr replace ").append(vip.ipArguments())
                    .append('\n');
        }
        out.append("""

                [Install]
                WantedBy=sysinit.target
                """);
        return out.toString();
    }

    /** The enable link: what {@code systemctl enable} would create for the unit. */
    public static FileContent enableLink(BootFiles boot) {
        return new FileContent.Symlink(boot.unitFile().toString());
    }

    /**
     * Why {@code current} is not what {@code apply --persist} writes where it wants {@code ours}
     * (a text file with our header, or the enable link); empty when it is, or when nothing is there.
     */
    static Optional<String> notWrittenByApply(FileContent current, FileContent ours) {
        return switch (current) {
            case FileContent.Absent a -> Optional.empty();
            case FileContent.Text t when ours instanceof FileContent.Text -> t.text().startsWith(HEADER)
                    ? Optional.empty()
                    : Optional.of("its first line is not '" + HEADER.strip() + "'");
            case FileContent.Text t -> Optional.of("a file, where apply writes a symbolic link");
            case FileContent.Symlink link -> link.equals(ours) ? Optional.empty()
                    : Optional.of("a symbolic link to " + link.target());
        };
    }
}
