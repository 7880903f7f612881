package dev.dispatcher.realserver.check;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One reason the host is not set up right, named by the interface it concerns.
 *
 * @param kind a stable identifier for machines ({@code arp_ignore}, {@code vip_scope}, ...)
 * @param device the interface concerned ({@code lo} for problems of the VIP itself)
 * @param message the line {@code check} prints, starting with the interface name
 * @param details setting values behind the message (effective, all, interface) for {@code --json}
 */
public record Problem(String kind, String device, String message, Map<String, Object> details) {
    public Problem {
        details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("kind", kind);
        json.put("interface", device);
        json.putAll(details);
        json.put("message", message);
        return json;
    }
}
