package dev.dispatcher.realserver.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcSysTest {
    @TempDir
    Path root;

    private void put(String key, String content) throws IOException {
        Path file = root.resolve(key);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    @Test
    void readsValuesWithoutTheTrailingNewlineTheKernelPrints() throws IOException {
        put("net/ipv4/conf/all/arp_ignore", "3\n");
        ProcSys procSys = new ProcSys(root);
        assertEquals("3", procSys.read("net/ipv4/conf/all/arp_ignore"));
        assertEquals(3, procSys.readInt("net/ipv4/conf/all/arp_ignore"));
        assertFalse(procSys.exists("net/ipv4/conf/all/arp_announce"));
    }

    @Test
    void listsInterfacesWithoutAllAndDefault() throws IOException {
        for (String dir : List.of("all", "default", "lo", "eth1", "eth0.100")) {
            put("net/ipv4/conf/" + dir + "/arp_ignore", "0\n");
        }
        assertEquals(List.of("eth0.100", "eth1", "lo"), new ProcSys(root).interfaces());
    }

    @Test
    void writesAndChecksTheValueReadsBack() throws IOException {
        put("net/ipv4/conf/all/arp_announce", "0\n");
        ProcSys procSys = new ProcSys(root);
        procSys.write("net/ipv4/conf/all/arp_announce", "2");
        assertEquals("2", procSys.read("net/ipv4/conf/all/arp_announce"));
    }

    @Test
    void aMissingKeyIsAOneLineSetupError() {
        SetupException ex = assertThrows(SetupException.class, () -> new ProcSys(root).read("net/ipv4/nope"));
        assertTrue(ex.getMessage().startsWith("cannot read "), ex.getMessage());
        assertFalse(ex.getMessage().contains("\n"));
    }

    @Test
    void dottedNamesFollowSysctlConventionForDotsInInterfaceNames() {
        assertEquals("net.ipv4.conf.all.arp_ignore", ProcSys.dotted("net/ipv4/conf/all/arp_ignore"));
        assertEquals("net.ipv4.conf.eth0/100.arp_ignore", ProcSys.dotted(ProcSys.confKey("eth0.100", "arp_ignore")));
    }
}
