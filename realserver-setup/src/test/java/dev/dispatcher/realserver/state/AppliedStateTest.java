package dev.dispatcher.realserver.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.realserver.json.Json;
import dev.dispatcher.realserver.json.JsonFields;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A state file holds only what apply writes; anything else is refused when read, because remove
 * acts on what it says (deletes files, writes sysctls, deletes addresses).
 */
class AppliedStateTest {

    /** The state of the first release's fixture, as parsed JSON to be tampered with. */
    private static Map<String, Object> valid() throws IOException {
        try (InputStream in = AppliedStateTest.class.getResourceAsStream("/state-format-1.json")) {
            return JsonFields.object(Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)), "state");
        }
    }

    private static Map<String, Object> first(Map<String, Object> json, String list) {
        return JsonFields.object(JsonFields.list(json, list).getFirst(), list);
    }

    private static void assertRefused(String field, Consumer<Map<String, Object>> tamper) throws IOException {
        Map<String, Object> json = valid();
        tamper.accept(json);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> AppliedState.fromJson(json),
                json.toString());
        assertTrue(ex.getMessage().startsWith(field), "names " + field + ": " + ex.getMessage());
    }

    @Test
    void theFixtureIsValid() throws IOException {
        assertEquals(2, AppliedState.fromJson(valid()).vips().size());
    }

    @Test
    void bootFilesMustBeTheThreeFilesPersistWrites() throws IOException {
        assertRefused("boot_files", j -> j.put("boot_files", List.of("/tmp/v1", "/tmp/v2", "/tmp/v3")));
        assertRefused("boot_files", j -> j.put("boot_files", List.of("/etc/sysctl.d/95-realserver-setup.conf",
                "/etc/systemd/system/realserver-setup.service",
                "/etc/systemd/system/sysinit.target.wants/realserver-setup.service", "/etc/passwd")));
        assertRefused("boot_files", j -> j.put("boot_files", List.of("/etc/sysctl.d/95-realserver-setup.conf",
                "/etc/systemd/system/realserver-setup.service", "/etc/sysinit.target.wants/realserver-setup.service")));
        assertRefused("boot_files", j -> j.put("boot_files", List.of("etc/sysctl.d/95-realserver-setup.conf",
                "etc/systemd/system/realserver-setup.service",
                "etc/systemd/system/sysinit.target.wants/realserver-setup.service")));
        assertRefused("boot_files", j -> j.put("boot_files", List.of("/etc/sysctl.d/95-realserver-setup.conf")));
        // status and remove print these paths: an escape sequence would reach the operator's terminal.
        assertRefused("boot_files",
                j -> j.put("boot_files",
                        BootFiles.in(Path.of("/etc/\u001b[2J"), Path.of("/etc/systemd/system")).paths()));
    }

    @Test
    void sysctlsMustBeOnesApplySetsWithNumericValues() throws IOException {
        assertRefused("sysctls", j -> first(j, "sysctls").put("key", "net/ipv4/conf/eth1/arp_ignore"));
        assertRefused("sysctls", j -> first(j, "sysctls").put("key", "../../../etc/passwd"));
        assertRefused("sysctls", j -> first(j, "sysctls").put("original", "0\nroot::0:0::/:/bin/sh"));
        assertRefused("sysctls", j -> first(j, "sysctls").put("applied", ""));
        assertRefused("sysctls", j -> j.put("sysctls", List.of(first(j, "sysctls"), first(j, "sysctls"))));
    }

    @Test
    void addressesMustBeTheVipsOnLo() throws IOException {
        assertRefused("added", j -> first(j, "added").put("device", "eth1"));
        assertRefused("added", j -> first(j, "added").put("prefixlen", 24L));
        assertRefused("added", j -> first(j, "added").put("scope", "global"));
        assertRefused("added", j -> first(j, "added").put("address", "198.18.1.10"));
        assertRefused("added", j -> first(j, "added").put("label", "lo:1\u001b]0;pwned\u0007"));
        assertRefused("added", j -> first(j, "added").put("label", "eth1"));
        // 2^32 + 32 must not wrap around to a valid 32.
        assertRefused("added", j -> first(j, "added").put("prefixlen", 4_294_967_328L));
        assertRefused("replaced", j -> first(j, "replaced").put("device", "eth1"));
        assertRefused("replaced", j -> first(j, "replaced").put("address", "198.18.1.10"));
        assertRefused("replaced", j -> first(j, "replaced").put("scope", "global; reboot"));
    }

    @Test
    void vipsAndTheArpIgnoreModeMustBeOnesApplyAccepts() throws IOException {
        assertRefused("vips", j -> j.put("vips", List.of("127.0.0.1")));
        assertRefused("vips", j -> j.put("vips", List.of("198.18.1.100", "198.18.1.100", "198.18.1.101")));
        assertRefused("arp_ignore", j -> j.put("arp_ignore", 7L));
        assertRefused("arp_ignore", j -> j.put("arp_ignore", 4_294_967_299L));
        assertRefused("format", j -> j.put("format", 2L));
    }
}
