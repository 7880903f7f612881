package dev.dispatcher.realserver.kernel;

import dev.dispatcher.realserver.json.Json;
import dev.dispatcher.realserver.json.JsonFields;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the output of {@code ip -json addr show}.
 *
 * <p>Only {@code family: inet} entries are kept: hidden ARP is an IPv4 matter. Some iproute2
 * versions print an empty object for a link filtered out by {@code -4}; those are skipped rather
 * than rejected, so the reader works on every iproute2 that has {@code -json}.
 */
public final class IpAddrJson {
    private IpAddrJson() {}

    public static List<NetLink> parse(String json) {
        List<NetLink> links = new ArrayList<>();
        List<Object> entries = JsonFields.list(Json.parse(json), "ip -json addr output");
        for (Object entry : entries) {
            Map<String, Object> link = JsonFields.object(entry, "link entry");
            if (!link.containsKey("ifname")) {
                continue;
            }
            String name = JsonFields.string(link, "ifname");
            boolean loopback = JsonFields.list(link, "flags").contains("LOOPBACK")
                    || "loopback".equals(link.get("link_type"));
            List<InterfaceAddress> addresses = new ArrayList<>();
            for (Object info : JsonFields.list(link, "addr_info")) {
                Map<String, Object> addr = JsonFields.object(info, "addr_info entry of " + name);
                if (!"inet".equals(addr.get("family"))) {
                    continue;
                }
                String scope = addr.get("scope") instanceof String s ? s : "global";
                addresses.add(new InterfaceAddress(
                        name,
                        Ipv4Address.parse(JsonFields.string(addr, "local")),
                        JsonFields.integer(addr, "prefixlen", 0, 32),
                        scope,
                        JsonFields.optionalString(addr, "label")));
            }
            links.add(new NetLink(name, loopback, addresses));
        }
        return links;
    }
}
