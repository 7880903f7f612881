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
                List.of("/a", "/b", "/c"));
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
        assertTrue(ex.getMessage().startsWith("cannot read the state file " + dir.resolve("state.json")), ex.getMessage());
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
}
