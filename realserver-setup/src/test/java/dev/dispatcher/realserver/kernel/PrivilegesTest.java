package dev.dispatcher.realserver.kernel;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PrivilegesTest {
    private static String status(String uid, String capEff) {
        return "Name:\tjava\nUmask:\t0022\nUid:\t" + uid + "\nGid:\t0\t0\t0\t0\nCapInh:\t0000000000000000\nCapEff:\t"
                + capEff + "\n";
    }

    @Test
    void rootWithAllCapabilitiesMayChangeTheHost() {
        Privileges p = Privileges.parse(status("0\t0\t0\t0", "000001ffffffffff"));
        assertEquals(0, p.effectiveUid());
        assertTrue(p.netAdmin());
        assertDoesNotThrow(() -> p.requireRoot("apply"));
    }

    @Test
    void theEffectiveUidCountsNotTheRealOne() {
        Privileges p = Privileges.parse(status("0\t65534\t0\t0", "0000000000000000"));
        assertEquals(65534, p.effectiveUid());
        SetupException ex = assertThrows(SetupException.class, () -> p.requireRoot("apply"));
        assertEquals("apply must run as root (effective uid is 65534); nothing was changed", ex.getMessage());
    }

    @Test
    void rootWithoutNetAdminIsRefusedToo() {
        // CAP_NET_ADMIN is bit 12 (0x1000); everything but it.
        Privileges p = Privileges.parse(status("0\t0\t0\t0", "000001ffffffefff"));
        assertFalse(p.netAdmin());
        assertThrows(SetupException.class, () -> p.requireRoot("remove"));
    }
}
