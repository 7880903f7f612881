package dev.dispatcher.realserver.state;

import static dev.dispatcher.realserver.Hosts.VIP;
import static dev.dispatcher.realserver.Hosts.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.SetupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    @TempDir
    Path dir;

    @Test
    void savesAndLoadsTheSameState() throws IOException {
        AppliedState state = new AppliedState(3, List.of(VIP),
                List.of(new SysctlRecord("net/ipv4/conf/all/arp_ignore", "0", "3")),
                List.of(InterfaceAddress.vipOnLoopback(VIP, "lo:1")),
                List.of(addr("lo", "198.18.1.100/24", "global", "lo")),
                BootFiles.in(Path.of("/etc/sysctl.d"), Path.of("/etc/systemd/system")).paths());
        StateStore store = new StateStore(dir.resolve("rs1"));
        assertEquals(Optional.empty(), store.load());
        store.save(state);
        assertEquals(Optional.of(state), store.load());
        store.delete();
        assertEquals(Optional.empty(), store.load());
    }

    @Test
    void aCorruptFileIsOneLineThatNamesIt() throws IOException {
        Files.writeString(dir.resolve("state.json"), "{\"format\": 1, \"vips\": [\"300.0.0.1\"]");
        SetupException ex = assertThrows(SetupException.class, () -> new StateStore(dir).load());
        assertTrue(ex.getMessage().startsWith("state file corrupt: " + dir.resolve("state.json") + ": "), ex.getMessage());
        assertTrue(!ex.getMessage().contains("\n"));
    }

    @Test
    @SuppressWarnings("try") // the first lock is held, never read
    void theLockIsExclusive() throws IOException {
        StateStore store = new StateStore(dir);
        try (StateStore.Lock first = store.lock()) {
            SetupException ex = assertThrows(SetupException.class, store::lock);
            assertTrue(ex.getMessage().startsWith("another realserver-setup holds"), ex.getMessage());
        }
        store.lock().close();
    }

    @Test
    void aDeeplyNestedFileIsReportedCorruptInOneLineWithTheWayToRecover() throws IOException {
        Path file = dir.resolve("state.json");
        Files.writeString(file, "{\"format\": 1, \"vips\": " + "[".repeat(200_000));
        SetupException ex = assertThrows(SetupException.class, () -> new StateStore(dir).load());
        assertTrue(ex.getMessage().startsWith("state file corrupt: " + file + ": invalid JSON at line 1, column "), ex.getMessage());
        assertTrue(ex.getMessage().contains("nested deeper than " + dev.dispatcher.realserver.json.Json.MAX_DEPTH), ex.getMessage());
        assertTrue(ex.getMessage().contains("mv " + file + " " + file + ".corrupt"), "says how to recover: " + ex.getMessage());
        assertTrue(!ex.getMessage().contains("\n"));
    }

    /** Files written by the first release (the hand-written JSON writer) load, and are written back byte for byte. */
    @Test
    void stateFilesOfTheFirstFormatLoadAndAreWrittenBackUnchanged() throws IOException {
        for (String name : List.of("state-format-1.json", "state-format-1-minimal.json")) {
            String old;
            try (java.io.InputStream in = StateStoreTest.class.getResourceAsStream("/" + name)) {
                old = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
            Path rs = Files.createDirectories(dir.resolve(name));
            Files.writeString(rs.resolve("state.json"), old);
            StateStore store = new StateStore(rs);
            AppliedState state = store.load().orElseThrow();
            store.save(state);
            assertEquals(old, Files.readString(rs.resolve("state.json")), name);
        }
        AppliedState full = new StateStore(dir.resolve("state-format-1.json")).load().orElseThrow();
        assertEquals(List.of(VIP, dev.dispatcher.realserver.Hosts.VIP2), full.vips());
        assertEquals(new SysctlRecord("net/ipv4/conf/all/arp_announce", "1", "2"), full.sysctl("net/ipv4/conf/all/arp_announce").orElseThrow());
        assertEquals(List.of(addr("lo", "198.18.1.100/24", "global", "lo")), full.replaced());
        assertEquals("/etc/systemd/system/sysinit.target.wants/realserver-setup.service", full.bootFiles().get(2));
    }
}
