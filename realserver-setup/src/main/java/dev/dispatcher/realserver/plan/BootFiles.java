package dev.dispatcher.realserver.plan;

import dev.dispatcher.realserver.kernel.InterfaceAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code --persist} writes so a reboot does not lose the setup: a sysctl.d file (applied by
 * systemd-sysctl early in boot) and a oneshot unit that puts the VIPs back on lo.
 *
 * <p>The unit runs {@code ip addr replace}, not this jar: it must work before the network and
 * without a JVM, and {@code replace} makes it idempotent. It is ordered after systemd-sysctl, so
 * ARP is hidden before any VIP appears, and before network-pre.target, so no network service brings
 * up an interface while the VIPs are missing. It is enabled by the same symlink
 * {@code systemctl enable} would create, which works without a running systemd.
 */
public record BootFiles(Path sysctlFile, Path unitFile, Path wantsLink) {
    public static final Path DEFAULT_SYSCTL_DIR = Path.of("/etc/sysctl.d");
    public static final Path DEFAULT_SYSTEMD_DIR = Path.of("/etc/systemd/system");
    public static final String UNIT = "realserver-setup.service";
    static final String HEADER = "# Written by realserver-setup apply --persist; deleted by realserver-setup remove.\n";

    public static BootFiles in(Path sysctlDir, Path systemdDir) {
        Path unit = systemdDir.toAbsolutePath().resolve(UNIT);
        return new BootFiles(
                // 95: after the distribution's defaults, which may set rp_filter or arp_* themselves.
                sysctlDir.toAbsolutePath().resolve("95-realserver-setup.conf"),
                unit,
                systemdDir.toAbsolutePath().resolve("sysinit.target.wants").resolve(UNIT));
    }

    /** From the paths recorded in the state, in the order {@link #paths()} gives them. */
    public static BootFiles of(List<String> paths) {
        if (paths.size() != 3) {
            throw new IllegalArgumentException("expected 3 boot files, got " + paths);
        }
        return new BootFiles(Path.of(paths.get(0)), Path.of(paths.get(1)), Path.of(paths.get(2)));
    }

    public List<String> paths() {
        return List.of(sysctlFile.toString(), unitFile.toString(), wantsLink.toString());
    }

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

    public String unit(Path ipBinary, List<InterfaceAddress> vips) {
        StringBuilder out = new StringBuilder(HEADER);
        out.append("# Puts the VIPs back on lo at boot; the ARP sysctls come from ").append(sysctlFile).append(".\n");
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
            out.append("ExecStart=").append(ipBinary).append(" -4 addr replace ").append(vip.ipArguments()).append('\n');
        }
        out.append("""

                [Install]
                WantedBy=sysinit.target
                """);
        return out.toString();
    }
}
