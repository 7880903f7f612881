package dev.dispatcher.realserver.state;

import static dev.dispatcher.realserver.Hosts.VIP;
import static dev.dispatcher.realserver.Hosts.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.Privileges;
import dev.dispatcher.realserver.kernel.SetupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    @TempDir
    Path dir;

    @Test
    @SuppressWarnings("try") // the lock is held, never read
    void savesAndLoadsTheSameState() throws IOException {
        AppliedState state = new AppliedState(3, List.of(VIP),
                List.of(new SysctlRecord("net/ipv4/conf/all/arp_ignore", "0", "3")),
                List.of(InterfaceAddress.vipOnLoopback(VIP, "lo:1")),
                List.of(addr("lo", "198.18.1.100/24", "global", "lo")),
                BootFiles.in(Path.of("/etc/sysctl.d"), Path.of("/etc/systemd/system")).paths());
        StateStore store = new StateStore(dir.resolve("rs1"));
        assertEquals(Optional.empty(), store.load());
        try (StateStore.Lock lock = store.lock()) {
            store.save(state);
            assertEquals(Optional.of(state), store.load());
            store.delete();
            assertEquals(Optional.empty(), store.load());
        }
    }

    @Test
    void aCorruptFileIsOneLineThatNamesIt() throws IOException {
        Files.writeString(dir.resolve("state.json"), "{\"format\": 1, \"vips\": [\"300.0.0.1\"]");
        SetupException ex = assertThrows(SetupException.class, () -> new StateStore(dir).load());
        assertTrue(ex.getMessage().startsWith("state file corrupt: " + dir.resolve("state.json") + ": "),
                ex.getMessage());
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
        assertTrue(ex.getMessage().startsWith("state file corrupt: " + file + ": invalid JSON at line 1, column "),
                ex.getMessage());
        assertTrue(ex.getMessage().contains("nested deeper than " + dev.dispatcher.realserver.json.Json.MAX_DEPTH),
                ex.getMessage());
        assertTrue(ex.getMessage().contains("mv " + file + " " + file + ".corrupt"),
                "says how to recover: " + ex.getMessage());
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
        assertEquals(new SysctlRecord("net/ipv4/conf/all/arp_announce", "1", "2"),
                full.sysctl("net/ipv4/conf/all/arp_announce").orElseThrow());
        assertEquals(List.of(addr("lo", "198.18.1.100/24", "global", "lo")), full.replaced());
        assertEquals("/etc/systemd/system/sysinit.target.wants/realserver-setup.service", full.bootFiles().get(2));
    }

    // ---- hostile file system: symlinks, loose ownership and permissions ---------------------------

    private static AppliedState someState() {
        return new AppliedState(3, List.of(VIP), List.of(new SysctlRecord("net/ipv4/conf/all/arp_ignore", "0", "3")),
                List.of(InterfaceAddress.vipOnLoopback(VIP, "lo:1")), List.of(), List.of());
    }

    private Path victim() throws IOException {
        return Files.writeString(dir.resolve("victim"), "precious\n");
    }

    /** Ownership is only testable as root (only root can chown); under CI=true not being root fails the test. */
    private static void assumeRoot() {
        boolean root = Privileges.read(Path.of("/proc/self/status")).effectiveUid() == 0;
        if (!root && "true".equals(System.getenv("CI"))) {
            fail("ownership tests need root (CI=true: not skipping)");
        }
        Assumptions.assumeTrue(root, "ownership tests need root");
    }

    /** Refused by load (which reads only a directory that exists) and by lock (which creates it). */
    private static void assertRefused(StateStore store, String message) {
        if (Files.exists(store.file().getParent(), LinkOption.NOFOLLOW_LINKS)) {
            SetupException onLoad = assertThrows(SetupException.class, store::load);
            assertTrue(onLoad.getMessage().contains(message), onLoad.getMessage());
        }
        SetupException onLock = assertThrows(SetupException.class, store::lock);
        assertTrue(onLock.getMessage().contains(message), onLock.getMessage());
        assertTrue(onLock.getMessage().endsWith("nothing was changed"), onLock.getMessage());
    }

    @Test
    @SuppressWarnings("try") // the lock is held, never read
    void aPlantedTemporarySymlinkIsNotFollowed() throws IOException {
        Path victim = victim();
        Path rs = Files.createDirectories(dir.resolve("rs"));
        Files.createSymbolicLink(rs.resolve("state.json.tmp"), victim);
        StateStore store = new StateStore(rs);
        try (StateStore.Lock lock = store.lock()) {
            store.save(someState());
        }
        assertEquals("precious\n", Files.readString(victim));
        assertTrue(Files.isRegularFile(rs.resolve("state.json"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(Optional.of(someState()), store.load());
    }

    @Test
    void aStateDirectoryThatIsASymlinkIsRefused() throws IOException {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Path link = Files.createSymbolicLink(dir.resolve("rs"), etc);
        assertRefused(new StateStore(link), "the state directory " + link + " is a symbolic link");
        try (var entries = Files.list(etc)) {
            assertEquals(List.of(), entries.toList(), "neither lock nor state.json went to the link's target");
        }
    }

    @Test
    void aDanglingLockSymlinkIsNotFollowed() throws IOException {
        Path rs = Files.createDirectories(dir.resolve("rs"));
        Path target = dir.resolve("created-through-the-link");
        Files.createSymbolicLink(rs.resolve("lock"), target);
        SetupException ex = assertThrows(SetupException.class, new StateStore(rs)::lock);
        assertTrue(ex.getMessage().contains(rs.resolve("lock") + " is a symbolic link"), ex.getMessage());
        assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aStateFileThatIsASymlinkIsRefused() throws IOException {
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        new StateStore(elsewhere).save(someState());
        Path rs = Files.createDirectories(dir.resolve("rs"));
        Files.createSymbolicLink(rs.resolve("state.json"), elsewhere.resolve("state.json"));
        SetupException ex = assertThrows(SetupException.class, new StateStore(rs)::load);
        assertTrue(ex.getMessage().contains(rs.resolve("state.json") + " is a symbolic link"), ex.getMessage());
    }

    @Test
    void aStateDirectoryOthersCanWriteIsRefused() throws IOException {
        Path rs = Files.createDirectories(dir.resolve("rs"));
        for (String mode : List.of("rwxrwxrwx", "rwxrwxr-x", "rwxr-xrwx")) {
            Files.setPosixFilePermissions(rs, PosixFilePermissions.fromString(mode));
            assertRefused(new StateStore(rs), "the state directory " + rs + " is writable by group or others");
        }
        Files.setPosixFilePermissions(rs, PosixFilePermissions.fromString("rwxr-xr-x"));
        new StateStore(rs).lock().close();
    }

    @Test
    void aStateDirectoryUnderADirectoryOthersCanWriteIsRefusedUnlessItIsSticky() throws IOException {
        Path loose = Files.createDirectories(dir.resolve("loose"));
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertRefused(new StateStore(loose.resolve("rs")),
                "is inside " + loose + ", which is writable by group or others");
        assertFalse(Files.exists(loose.resolve("rs")), "not created under a loose directory");
        Files.createDirectories(loose.resolve("rs/deeper"));
        assertRefused(new StateStore(loose.resolve("rs/deeper")),
                "is inside " + loose + ", which is writable by group or others");

        // Like /tmp: others can create entries but not rename or delete ours.
        Path sticky = Files.createDirectories(dir.resolve("sticky"));
        Files.setPosixFilePermissions(sticky, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setAttribute(sticky, "unix:mode", 01777);
        new StateStore(sticky.resolve("rs")).lock().close();
        assertEquals(0755, (int) Files.getAttribute(sticky.resolve("rs"), "unix:mode") & 07777,
                "a new state directory is rwxr-xr-x");
    }

    @Test
    void aStateDirectoryOwnedBySomeoneElseIsRefused() throws IOException {
        assumeRoot();
        Path rs = Files.createDirectories(dir.resolve("rs"));
        Files.setAttribute(rs, "unix:uid", 65534);
        assertRefused(new StateStore(rs), "the state directory " + rs + " is owned by uid 65534, not root");
        Path parent = Files.createDirectories(dir.resolve("theirs/rs"));
        Files.setAttribute(parent.getParent(), "unix:uid", 65534);
        assertRefused(new StateStore(parent),
                "is inside " + parent.getParent() + ", which is owned by uid 65534, not root");
    }
}
