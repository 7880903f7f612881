package dev.dispatcher.realserver.plan;

import dev.dispatcher.realserver.kernel.ProcSys;

/** One sysctl this command sets: its {@link ProcSys} key, the value, and why, for plans and docs. */
public record Setting(String key, String value, String why) {

    /** The sysctl(8) name, e.g. {@code net.ipv4.conf.all.arp_ignore}. */
    public String name() {
        return ProcSys.dotted(key);
    }
}
