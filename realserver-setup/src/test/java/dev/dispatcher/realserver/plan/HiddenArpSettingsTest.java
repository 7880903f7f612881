package dev.dispatcher.realserver.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dispatcher.realserver.state.SysctlRecord;
import org.junit.jupiter.api.Test;

class HiddenArpSettingsTest {
    /** A state file may record only the sysctls apply sets; the state package keeps that list on its own. */
    @Test
    void theStateAcceptsExactlyTheSysctlsApplySets() {
        assertEquals(SysctlRecord.KEYS, HiddenArpSettings.keys());
    }
}
