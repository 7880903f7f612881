package dev.dispatcher.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.ConfigLoader;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.HaRole;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.control.api.ServerOverride;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.core.PartnerWatch;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The compiler is a pure function of a state: no threads, no control plane, no data plane. */
class TableCompilerTest {
    private static final String YAML = """
            interface: eth0
            clusters:
              - address: 198.18.0.100
                ports:
                  - port: 80
                    on-server-down: keep
                    servers:
                      - address: 198.18.0.11
                        weight: 3
                        mac: 02:00:00:00:00:11
                      - address: 198.18.0.12
                        weight: 2
                      - address: 198.18.0.13
                        weight: 1
            """;
    private static final TableCompiler.Host HOST = new TableCompiler.Host(0x020000000002L, 0xC6120002, 1500);

    private static ServerRef ref(String server) {
        return ServerRef.of("198.18.0.100", 80, "tcp", server);
    }

    /** Ids as a plain function of the address's last octet, so the test reads them directly. */
    private static ForwardingTable compile(ControlState state) {
        return TableCompiler.compile(state, HOST, address -> address & 0xFF, pair -> 100 + (pair.server() & 0xFF),
                index -> true, 7);
    }

    @Test
    void effectiveWeightsOverridesAndLingeringServersCompileIntoTheTable() throws Exception {
        DispatcherConfig config = ConfigLoader.parse("t.yaml", YAML);
        ControlState state = ControlState.of(config)
                .withOperator(ref("198.18.0.11"), new ControlState.OperatorState(ServerOverride.AUTO, true))
                .withOperator(ref("198.18.0.12"), new ControlState.OperatorState(ServerOverride.DOWN, false));
        // 198.18.0.13 leaves the keep port: it lingers with weight 0 and keeps its flows.
        DispatcherConfig without13 = ConfigLoader.parse("t.yaml", YAML.replace("""
                      - address: 198.18.0.13
                        weight: 1
            """, ""));
        state = state.withConfig(without13);
        ForwardingTable table = compile(state);

        assertEquals(7, table.version());
        assertEquals(0x020000000002L, table.ownMac());
        int service = table.service(Ipv4.parse("198.18.0.100"), 80, 6);
        assertArrayEquals(new int[] {11, 12, 13}, table.serviceServers(service));
        assertArrayEquals(new int[] {111, 112, 113}, table.servicePairs(service));
        assertArrayEquals(new int[] {0, 0, 0}, table.serviceWeights(service), "drained, down, removed");
        assertTrue(table.keepsFlow(111), "a draining server keeps its flows");
        assertTrue(table.keepsFlow(112), "down under the keep policy keeps its flows");
        assertTrue(table.keepsFlow(113), "a lingering server keeps its flows");
        assertEquals(0x020000000011L, table.serverStaticMac(11));
        assertEquals(0, table.serverStaticMac(12), "learned by ARP");
        assertEquals(List.of(ref("198.18.0.11"), ref("198.18.0.12"), ref("198.18.0.13")), state.pairs());

        ControlState back = state.withConfig(config);
        assertTrue(back.lingering().isEmpty(), "a server added back no longer lingers");
        assertFalse(back.operators().isEmpty(), "the operators' state of servers that stayed is kept");
        ForwardingTable again = compile(back.withOperator(ref("198.18.0.11"), ControlState.OperatorState.NONE)
                .withOperator(ref("198.18.0.12"), ControlState.OperatorState.NONE));
        assertArrayEquals(new int[] {3, 2, 1}, again.serviceWeights(again.service(Ipv4.parse("198.18.0.100"), 80, 6)));
    }

    @Test
    void aPairMemberCompilesOnlyTheGroupsItServesButKeepsEveryServerResolved() throws Exception {
        DispatcherConfig config = ConfigLoader.parse("t.yaml", """
                interface: eth0
                clusters:
                  - address: 198.18.0.100
                    ha-owner: primary
                    ports:
                      - port: 80
                        servers:
                          - address: 198.18.0.11
                  - address: 198.18.0.101
                    ha-owner: backup
                    ports:
                      - port: 80
                        servers:
                          - address: 198.18.0.12
                ha:
                  role: both
                  node-id: 1
                  peer: 198.18.0.3
                  key-file: /etc/dispatcher/ha.key
                """);
        ControlState starting = ControlState.of(config);
        ForwardingTable init = compile(starting);
        assertEquals(0, init.vipCount(), "INIT: no VIP answered, nothing forwarded");
        assertEquals(0, init.serviceCount());
        assertTrue(init.serverPresent(11) && init.serverPresent(12), "every server resolved for a takeover");

        ControlState servingOwn = starting.withHa(new HaOwnership(HaRole.BOTH, 0b01, 0x020000000003L, 200_000_000L, 4));
        ForwardingTable own = compile(servingOwn);
        assertTrue(own.isVip(Ipv4.parse("198.18.0.100")));
        assertFalse(own.isVip(Ipv4.parse("198.18.0.101")), "the partner's cluster");
        assertEquals(ForwardingTable.NO_SERVICE, own.service(Ipv4.parse("198.18.0.101"), 80, 6));
        PartnerWatch watch = own.partnerWatch();
        assertEquals(0x020000000003L, watch.partnerMac());
        assertEquals(0, watch.groupOf(Ipv4.parse("198.18.0.100")));
        assertEquals(1, watch.groupOf(Ipv4.parse("198.18.0.101")));
        assertEquals(-1, watch.groupOf(Ipv4.parse("198.18.0.11")));
        assertEquals(0, watch.probeTarget(0), "served: not probed");
        assertEquals(Ipv4.parse("198.18.0.101"), watch.probeTarget(1), "the partner's VIP is probed");
        assertEquals(4, watch.announceGeneration());

        ForwardingTable both = compile(servingOwn.withHa(new HaOwnership(HaRole.BOTH, 0b11, 0x020000000003L,
                200_000_000L, 4)));
        assertEquals(2, both.vipCount());
        assertEquals(0, both.partnerWatch().probeTarget(1));
        assertEquals(PartnerWatch.NONE, compile(ControlState.of(ConfigLoader.parse("t.yaml", YAML))).partnerWatch(),
                "a lone dispatcher watches nobody");
    }
}
