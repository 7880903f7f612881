package dev.dispatcher.realserver.state;

import dev.dispatcher.realserver.json.JsonFields;
import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.Ipv4Address;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What {@code apply} did on this host, so that {@code remove} undoes exactly that and nothing else.
 *
 * @param arpIgnore the arp_ignore mode applied (1 or 3)
 * @param vips every VIP set up, including ones that were already correct on lo
 * @param sysctls sysctls changed, each with the value found before the first change
 * @param added addresses this command added (a VIP already on lo correctly is not here)
 * @param replaced addresses this command deleted to put the VIP right (on lo without scope host or
 *     with a wider prefix); {@code remove} adds them back
 * @param bootFiles files written for {@code --persist} ({@link BootFiles#paths()}); empty when not persisted
 */
public record AppliedState(
        int arpIgnore,
        List<Ipv4Address> vips,
        List<SysctlRecord> sysctls,
        List<InterfaceAddress> added,
        List<InterfaceAddress> replaced,
        List<String> bootFiles) {

    public static final int FORMAT = 1;
    private static final Pattern SYSCTL_VALUE = Pattern.compile("-?[0-9]{1,10}");
    /** A scope as ip prints it: a name (host, link, global) or a number. */
    private static final Pattern SCOPE = Pattern.compile("[A-Za-z0-9]{1,16}");
    /** A label on lo: the kernel wants it to start with the device name and fit IFNAMSIZ. */
    private static final Pattern LABEL = Pattern.compile("lo[!-~]{0,13}");

    public AppliedState {
        vips = List.copyOf(vips);
        sysctls = List.copyOf(sysctls);
        added = List.copyOf(added);
        replaced = List.copyOf(replaced);
        bootFiles = List.copyOf(bootFiles);
        if (!bootFiles.isEmpty()) {
            BootFiles.of(bootFiles);
        }
    }

    public boolean persisted() {
        return !bootFiles.isEmpty();
    }

    /** The files {@code --persist} wrote, when it did. */
    public Optional<BootFiles> boot() {
        return persisted() ? Optional.of(BootFiles.of(bootFiles)) : Optional.empty();
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

    /**
     * Reads a state file's JSON, refusing anything {@code apply} does not write: remove deletes the
     * files, writes the sysctls and deletes the addresses a state names, so a hand-edited or
     * planted one must not name others. Each message starts with the field at fault.
     */
    public static AppliedState fromJson(Object parsed) {
        Map<String, Object> json = JsonFields.object(parsed, "state");
        long format = field("format", () -> JsonFields.number(json, "format"));
        if (format != FORMAT) {
            throw new IllegalArgumentException("format: " + format + " is not " + FORMAT
                    + ", the format this version reads");
        }
        long arpIgnore = field("arp_ignore", () -> JsonFields.number(json, "arp_ignore"));
        if (arpIgnore != 1 && arpIgnore != 3) {
            throw new IllegalArgumentException("arp_ignore: " + arpIgnore + " is not a mode apply sets (1 or 3)");
        }
        List<Ipv4Address> vips = field("vips", () -> readVips(JsonFields.list(json, "vips")));
        List<SysctlRecord> sysctls = field("sysctls", () -> readSysctls(JsonFields.list(json, "sysctls")));
        List<InterfaceAddress> added = field("added", () -> readAddresses(JsonFields.list(json, "added"), vips, true));
        List<InterfaceAddress> replaced = field("replaced",
                () -> readAddresses(JsonFields.list(json, "replaced"), vips, false));
        List<String> files = field("boot_files", () -> {
            List<String> paths = new ArrayList<>();
            for (Object file : JsonFields.list(json, "boot_files")) {
                if (!(file instanceof String path)) {
                    throw new IllegalArgumentException("an entry is not a string");
                }
                paths.add(path);
            }
            if (!paths.isEmpty()) {
                BootFiles.of(paths);
            }
            return paths;
        });
        return new AppliedState((int) arpIgnore, vips, sysctls, added, replaced, files);
    }

    private static <T> T field(String name, Supplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(name + ": " + ex.getMessage(), ex);
        }
    }

    private static List<Ipv4Address> readVips(List<Object> list) {
        List<Ipv4Address> vips = new ArrayList<>();
        for (Object entry : list) {
            if (!(entry instanceof String text)) {
                throw new IllegalArgumentException("an entry is not a string");
            }
            Ipv4Address vip = Ipv4Address.parseVip(text);
            if (vips.contains(vip)) {
                throw new IllegalArgumentException(vip + " is listed twice");
            }
            vips.add(vip);
        }
        return vips;
    }

    private static List<SysctlRecord> readSysctls(List<Object> list) {
        List<SysctlRecord> records = new ArrayList<>();
        for (Object entry : list) {
            Map<String, Object> m = JsonFields.object(entry, "a sysctl record");
            SysctlRecord record = new SysctlRecord(
                    JsonFields.string(m, "key"), JsonFields.string(m, "original"), JsonFields.string(m, "applied"));
            if (!SysctlRecord.KEYS.contains(record.key())) {
                throw new IllegalArgumentException("'" + record.key() + "' is not a sysctl apply sets");
            }
            if (records.stream().anyMatch(r -> r.key().equals(record.key()))) {
                throw new IllegalArgumentException("'" + record.key() + "' is recorded twice");
            }
            if (!SYSCTL_VALUE.matcher(record.original()).matches()
                    || !SYSCTL_VALUE.matcher(record.applied()).matches()) {
                throw new IllegalArgumentException("the values of '" + record.key() + "' are not both integers");
            }
            records.add(record);
        }
        return records;
    }

    /**
     * Addresses on lo for one of the VIPs: apply adds only {@code VIP/32 scope host} there, and
     * replaces only a VIP it finds on lo, so a record of anything else is not one it made.
     */
    private static List<InterfaceAddress> readAddresses(List<Object> list, List<Ipv4Address> vips, boolean added) {
        List<InterfaceAddress> out = new ArrayList<>();
        for (Object entry : list) {
            Map<String, Object> m = JsonFields.object(entry, "an address record");
            InterfaceAddress a = new InterfaceAddress(
                    JsonFields.string(m, "device"),
                    Ipv4Address.parse(JsonFields.string(m, "address")),
                    JsonFields.integer(m, "prefixlen", 0, 32),
                    JsonFields.string(m, "scope"),
                    JsonFields.string(m, "label"));
            if (!a.device().equals("lo") || !vips.contains(a.address())) {
                throw new IllegalArgumentException(a.cidr() + " on " + a.device() + " is not one of the VIPs on lo");
            }
            if (added && (a.prefixLength() != 32 || !a.hostScope())) {
                throw new IllegalArgumentException(a.cidr() + " scope " + a.scope()
                        + " is not the /32 scope host apply adds");
            }
            if (!SCOPE.matcher(a.scope()).matches() || !LABEL.matcher(a.label()).matches()) {
                throw new IllegalArgumentException("the scope or label of " + a.cidr()
                        + " is not one ip prints for lo");
            }
            out.add(a);
        }
        return out;
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
}
