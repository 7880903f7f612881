package dev.dispatcher.realserver.plan;

import dev.dispatcher.realserver.kernel.Ipv4Address;
import java.nio.file.Path;
import java.util.List;

/**
 * What the operator asked {@code apply} for.
 *
 * @param vips the VIPs to set up (added to any already recorded in the state)
 * @param arpIgnore 3 (the recipe) or 1 (the common LVS alternative)
 * @param persist whether to write the boot files (once persisted, later runs keep them current)
 * @param sysctlDir where the sysctl.d file goes on the first {@code --persist}
 * @param systemdDir where the unit goes on the first {@code --persist}
 */
public record ApplyRequest(List<Ipv4Address> vips, int arpIgnore, boolean persist, Path sysctlDir, Path systemdDir) {
    public ApplyRequest {
        vips = List.copyOf(vips);
    }
}
