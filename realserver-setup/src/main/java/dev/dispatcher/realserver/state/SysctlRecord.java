package dev.dispatcher.realserver.state;

import java.util.List;

/**
 * A sysctl {@code apply} changed: the value it found ({@code original}, what {@code remove}
 * restores) and the value it set ({@code applied}, so {@code remove} can tell whether someone
 * changed it since and must be left alone).
 */
public record SysctlRecord(String key, String original, String applied) {
    /**
     * The sysctls {@code apply} sets (the table in {@code plan.HiddenArpSettings}; a test keeps the
     * two equal). {@code remove} writes the recorded original back, so a record of any other key
     * is not one {@code apply} made.
     */
    public static final List<String> KEYS = List.of(
            "net/ipv4/conf/all/arp_ignore",
            "net/ipv4/conf/all/arp_announce",
            "net/ipv4/icmp_echo_ignore_broadcasts",
            "net/ipv4/conf/all/rp_filter");
}
