package dev.dispatcher.realserver.state;

import dev.dispatcher.realserver.json.JsonFields;
import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.Ipv4Address;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code apply} did on this host, so that {@code remove} undoes exactly that and nothing else.
 *
 * @param arpIgnore the arp_ignore mode applied (1 or 3)
 * @param vips every VIP set up, including ones that were already correct on lo
 * @param sysctls sysctls changed, each with the value found before the first change
 * @param added addresses this command added (a VIP already on lo correctly is not here)
 * @param replaced addresses this command deleted to put the VIP right (on lo without scope host or
 *     with a wider prefix); {@code remove} adds them back
 * @param bootFiles files written for {@code --persist}; empty when not persisted
 */
public record AppliedState(
        int arpIgnore,
        List<Ipv4Address> vips,
        List<SysctlRecord> sysctls,
        List<InterfaceAddress> added,
        List<InterfaceAddress> replaced,
        List<String> bootFiles) {

    public static final int FORMAT = 1;

    public AppliedState {
        vips = List.copyOf(vips);
        sysctls = List.copyOf(sysctls);
        added = List.copyOf(added);
        replaced = List.copyOf(replaced);
        bootFiles = List.copyOf(bootFiles);
    }

    public boolean persisted() {
        return !bootFiles.isEmpty();
    }

    public Optional<SysctlRecord> sysctl(String key) {
        return sysctls.stream().filter(r -> r.key().equals(key)).findFirst();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", FORMAT);
        json.put("written_by", "realserver-setup");
        json.put("arp_ignore", arpIgnore);
        json.put("vips", vips.stream().map(Ipv4Address::toString).toList());
        List<Object> records = new ArrayList<>();
        for (SysctlRecord r : sysctls) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", r.key());
            m.put("original", r.original());
            m.put("applied", r.applied());
            records.add(m);
        }
        json.put("sysctls", records);
        json.put("added", addresses(added));
        json.put("replaced", addresses(replaced));
        json.put("boot_files", bootFiles);
        return json;
    }

    public static AppliedState fromJson(Object parsed) {
        Map<String, Object> json = JsonFields.object(parsed, "state");
        long format = JsonFields.number(json, "format");
        if (format != FORMAT) {
            throw new IllegalArgumentException("state format " + format + " is not " + FORMAT);
        }
        List<Ipv4Address> vips = new ArrayList<>();
        for (Object vip : JsonFields.list(json, "vips")) {
            vips.add(Ipv4Address.parse(String.valueOf(vip)));
        }
        List<SysctlRecord> sysctls = new ArrayList<>();
        for (Object entry : JsonFields.list(json, "sysctls")) {
            Map<String, Object> m = JsonFields.object(entry, "sysctl record");
            sysctls.add(new SysctlRecord(
                    JsonFields.string(m, "key"), JsonFields.string(m, "original"), JsonFields.string(m, "applied")));
        }
        List<String> files = new ArrayList<>();
        for (Object file : JsonFields.list(json, "boot_files")) {
            files.add(String.valueOf(file));
        }
        return new AppliedState(
                (int) JsonFields.number(json, "arp_ignore"),
                vips,
                sysctls,
                readAddresses(JsonFields.list(json, "added")),
                readAddresses(JsonFields.list(json, "replaced")),
                files);
    }

    private static List<Object> addresses(List<InterfaceAddress> list) {
        List<Object> out = new ArrayList<>();
        for (InterfaceAddress a : list) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("device", a.device());
            m.put("address", a.address().toString());
            m.put("prefixlen", a.prefixLength());
            m.put("scope", a.scope());
            m.put("label", a.label());
            out.add(m);
        }
        return out;
    }

    private static List<InterfaceAddress> readAddresses(List<Object> list) {
        List<InterfaceAddress> out = new ArrayList<>();
        for (Object entry : list) {
            Map<String, Object> m = JsonFields.object(entry, "address record");
            out.add(new InterfaceAddress(
                    JsonFields.string(m, "device"),
                    Ipv4Address.parse(JsonFields.string(m, "address")),
                    (int) JsonFields.number(m, "prefixlen"),
                    JsonFields.string(m, "scope"),
                    JsonFields.string(m, "label")));
        }
        return out;
    }
}
