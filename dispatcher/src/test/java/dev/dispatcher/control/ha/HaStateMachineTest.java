package dev.dispatcher.control.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.config.HaRecovery;
import dev.dispatcher.config.HaRole;
import dev.dispatcher.control.ha.HaStateMachine.Cause;
import dev.dispatcher.control.ha.HaStateMachine.Transition;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every transition of {@link HaStateMachine}, one event at a time. Times are in milliseconds. */
class HaStateMachineTest {
    private static final long MS = 1_000_000L;
    private static final long DEAD = 600 * MS;

    private long sequence = 1;

    private HaStateMachine node(HaRole role, int id, HaRecovery recovery) {
        return new HaStateMachine(role, id, 0, recovery, DEAD, 0);
    }

    private Heartbeat beat(HaRole role, int id, Heartbeat.State state, int owned, int reached, int takeover) {
        return new Heartbeat(id, role, state, sequence++, reached, 0, owned, takeover, 0x02_00_00_00_00_02L);
    }

    private Heartbeat active(HaRole role, int id) {
        return beat(role, id, Heartbeat.State.ACTIVE, 1, 0, 0);
    }

    private Heartbeat standby(HaRole role, int id) {
        return beat(role, id, Heartbeat.State.STANDBY, 0, 0, 0);
    }

    private static void assertOne(List<Transition> t, int group, boolean active, Cause cause) {
        assertEquals(1, t.size(), t.toString());
        assertEquals(group, t.getFirst().group(), t.toString());
        assertEquals(active, t.getFirst().active(), t.toString());
        assertEquals(cause, t.getFirst().cause(), t.toString());
    }

    /** A node that has started alone and serves everything. */
    private HaStateMachine activeAlone(HaRole role, int id, HaRecovery recovery) {
        HaStateMachine m = node(role, id, recovery);
        m.onTick(DEAD);
        assertEquals(Heartbeat.State.ACTIVE, m.state());
        return m;
    }

    @Test
    void startsInInitAndServesNothingUntilDeadAfterPasses() {
        HaStateMachine m = node(HaRole.BACKUP, 2, HaRecovery.AUTO);
        assertEquals(Heartbeat.State.INIT, m.state());
        assertEquals(List.of(), m.onTick(DEAD - 1));
        assertEquals(Heartbeat.State.INIT, m.state());
        assertOne(m.onTick(DEAD), 0, true, Cause.START_ALONE);
        assertEquals(Heartbeat.State.ACTIVE, m.state());
        assertEquals(1, m.owned());
    }

    @Test
    void aMutualNodeStartingAloneServesBothGroups() {
        HaStateMachine m = node(HaRole.BOTH, 2, HaRecovery.AUTO);
        List<Transition> t = m.onTick(DEAD);
        assertEquals(2, t.size());
        assertTrue(t.stream().allMatch(x -> x.active() && x.cause() == Cause.START_ALONE));
        assertEquals(0b11, m.owned());
    }

    @Test
    void aBackupThatHearsAnActivePrimaryAtStartBecomesStandby() {
        HaStateMachine m = node(HaRole.BACKUP, 2, HaRecovery.AUTO);
        m.caughtUp(true);
        assertEquals(List.of(), m.onHeartbeat(active(HaRole.PRIMARY, 1), 10 * MS));
        assertEquals(Heartbeat.State.STANDBY, m.state());
        assertEquals(List.of(), m.onTick(DEAD + 5 * MS), "heard 595 ms ago: alive");
        assertEquals(Heartbeat.State.STANDBY, m.state());
    }

    @Test
    void theStandbyTakesOverWhenThePartnerFallsSilent() {
        HaStateMachine m = node(HaRole.BACKUP, 2, HaRecovery.AUTO);
        m.onHeartbeat(active(HaRole.PRIMARY, 1), 100 * MS);
        assertEquals(List.of(), m.onTick(100 * MS + DEAD - 1));
        assertOne(m.onTick(100 * MS + DEAD), 0, true, Cause.PARTNER_DEAD);
        assertEquals(Heartbeat.State.ACTIVE, m.state());
    }

    @Test
    void theStoppingPartnersLastArpIsNoClaim() {
        HaStateMachine m = node(HaRole.BACKUP, 2, HaRecovery.AUTO);
        m.onHeartbeat(active(HaRole.PRIMARY, 1), 100 * MS);
        assertOne(m.onHeartbeat(beat(HaRole.PRIMARY, 1, Heartbeat.State.STOPPING, 0, 0, 0), 120 * MS), 0, true,
                Cause.PARTNER_STOPPED);
        assertEquals(List.of(), m.onPartnerSeen(0, 125 * MS), "an answer it sent while going");
        assertTrue(m.owns(0));
    }

    @Test
    void aStoppingPartnerIsTakenOverAtOnce() {
        HaStateMachine m = node(HaRole.BACKUP, 2, HaRecovery.AUTO);
        m.onHeartbeat(active(HaRole.PRIMARY, 1), 100 * MS);
        m.onPartnerSeen(0, 110 * MS);
        assertOne(m.onHeartbeat(beat(HaRole.PRIMARY, 1, Heartbeat.State.STOPPING, 0, 0, 0), 120 * MS), 0, true,
                Cause.PARTNER_STOPPED);
        assertFalse(m.partnerHeard(120 * MS));
        // Started again: heard, and serving nothing yet, so the backup keeps the group.
        assertEquals(List.of(), m.onHeartbeat(beat(HaRole.PRIMARY, 1, Heartbeat.State.INIT, 0, 0, 0), 900 * MS));
        assertTrue(m.partnerHeard(900 * MS));
    }

    @Test
    void aReturningPrimaryWaitsForItsFlowTableThenTakesBackWithAutoRecovery() {
        HaStateMachine primary = node(HaRole.PRIMARY, 1, HaRecovery.AUTO);
        assertEquals(List.of(), primary.onHeartbeat(active(HaRole.BACKUP, 2), 10 * MS));
        assertEquals(Heartbeat.State.STANDBY, primary.state(), "not caught up: no failback");
        primary.caughtUp(true);
        assertOne(primary.onHeartbeat(active(HaRole.BACKUP, 2), 20 * MS), 0, true, Cause.RECOVERY);

        HaStateMachine backup = activeAlone(HaRole.BACKUP, 2, HaRecovery.AUTO);
        assertOne(backup.onHeartbeat(active(HaRole.PRIMARY, 1), 700 * MS), 0, false, Cause.RANK);
        assertEquals(Heartbeat.State.STANDBY, backup.state());
    }

    @Test
    void withManualRecoveryTheReturningPrimaryStaysStandbyUntilTakeover() {
        HaStateMachine primary = node(HaRole.PRIMARY, 1, HaRecovery.MANUAL);
        primary.caughtUp(true);
        primary.onHeartbeat(active(HaRole.BACKUP, 2), 10 * MS);
        assertEquals(List.of(), primary.onHeartbeat(active(HaRole.BACKUP, 2), 200 * MS));
        assertEquals(Heartbeat.State.STANDBY, primary.state());

        HaStateMachine.TakeoverResult r = primary.takeover(300 * MS);
        assertNull(r.refused());
        assertOne(r.transitions(), 0, true, Cause.TAKEOVER);
        assertEquals(1, primary.takeoverRequested(), "asks the partner until it lets go");
        // The backup still serves (its heartbeat crossed ours): the request stands, the primary keeps the group.
        assertEquals(List.of(), primary.onHeartbeat(active(HaRole.BACKUP, 2), 310 * MS));
        assertEquals(1, primary.takeoverRequested());
        assertEquals(List.of(), primary.onHeartbeat(standby(HaRole.BACKUP, 2), 400 * MS));
        assertEquals(0, primary.takeoverRequested(), "the partner let go: done");
        assertTrue(primary.owns(0));
    }

    @Test
    void theServingNodeGivesUpToThePartnersTakeoverEvenWhenItRanksHigher() {
        HaStateMachine primary = activeAlone(HaRole.PRIMARY, 1, HaRecovery.MANUAL);
        assertOne(primary.onHeartbeat(beat(HaRole.BACKUP, 2, Heartbeat.State.ACTIVE, 1, 0, 1), 700 * MS),
                0, false, Cause.PARTNER_TAKEOVER);
    }

    @Test
    void aTakeoverIsRefusedWithTheReason() {
        HaStateMachine starting = node(HaRole.PRIMARY, 1, HaRecovery.MANUAL);
        assertTrue(starting.takeover(0).refused().contains("INIT"));

        HaStateMachine alone = activeAlone(HaRole.PRIMARY, 1, HaRecovery.MANUAL);
        assertTrue(alone.takeover(DEAD).refused().contains("already active"));

        HaStateMachine behind = node(HaRole.PRIMARY, 1, HaRecovery.MANUAL);
        behind.onHeartbeat(active(HaRole.BACKUP, 2), 10 * MS);
        HaStateMachine.TakeoverResult r = behind.takeover(20 * MS);
        assertTrue(r.refused().contains("caught up"), r.refused());
        assertEquals(List.of(), r.transitions());
        assertFalse(behind.owns(0));

        HaStateMachine autoBackup = node(HaRole.BACKUP, 2, HaRecovery.AUTO);
        autoBackup.caughtUp(true);
        autoBackup.onHeartbeat(active(HaRole.PRIMARY, 1), 10 * MS);
        assertTrue(autoBackup.takeover(20 * MS).refused().contains("recovery is auto"));
        assertFalse(autoBackup.owns(0));

        HaStateMachine notExternal = activeAlone(HaRole.BACKUP, 2, HaRecovery.AUTO);
        assertTrue(notExternal.external(false, DEAD).refused().contains("not external"));
        assertTrue(notExternal.owns(0));
    }

    @Test
    void aBackupWithManualRecoveryMaySwitchOver() {
        HaStateMachine backup = node(HaRole.BACKUP, 2, HaRecovery.MANUAL);
        backup.caughtUp(true);
        backup.onHeartbeat(active(HaRole.PRIMARY, 1), 10 * MS);
        HaStateMachine.TakeoverResult r = backup.takeover(20 * MS);
        assertNull(r.refused());
        assertOne(r.transitions(), 0, true, Cause.TAKEOVER);
        // Both serve for a moment; the request outranks the primary's preference.
        assertEquals(List.of(), backup.onHeartbeat(active(HaRole.PRIMARY, 1), 30 * MS));
        assertTrue(backup.owns(0));
    }

    @Test
    void aSwitchoverHoldsWhenThePartnersLastArpIsOlderThanItsHeartbeat() {
        HaStateMachine backup = node(HaRole.BACKUP, 2, HaRecovery.MANUAL);
        backup.caughtUp(true);
        backup.onHeartbeat(active(HaRole.PRIMARY, 1), 10 * MS);
        backup.onPartnerSeen(0, 15 * MS);
        assertOne(backup.takeover(20 * MS).transitions(), 0, true, Cause.TAKEOVER);
        // The primary let go; its ARP answer from before that says nothing any more.
        assertEquals(List.of(), backup.onHeartbeat(standby(HaRole.PRIMARY, 1), 30 * MS));
        assertTrue(backup.owns(0), "the switchover holds");
        assertEquals(0, backup.takeoverRequested());
        assertEquals(List.of(), backup.onTick(200 * MS));
        assertTrue(backup.owns(0));
    }

    @Test
    void aPartnerThatRestartsWithinDeadAfterLeavesTheGroupToTheNodeWithTheFlows() {
        HaStateMachine backup = node(HaRole.BACKUP, 2, HaRecovery.AUTO);
        backup.caughtUp(true);
        backup.onHeartbeat(active(HaRole.PRIMARY, 1), 10 * MS);
        assertOne(backup.onHeartbeat(beat(HaRole.PRIMARY, 1, Heartbeat.State.INIT, 0, 0, 0), 100 * MS), 0, true,
                Cause.RANK);
        HaStateMachine primary = node(HaRole.PRIMARY, 1, HaRecovery.AUTO);
        assertEquals(List.of(), primary.onHeartbeat(standby(HaRole.BACKUP, 2), 10 * MS),
                "just started, the partner running: nothing taken before its flows are here");
        primary.caughtUp(true);
        assertOne(primary.onTick(20 * MS), 0, true, Cause.RANK);
    }

    @Test
    void splitBrainGoesToMoreReachThenThePrimaryThenTheLowerId() {
        HaStateMachine primary = activeAlone(HaRole.PRIMARY, 1, HaRecovery.AUTO);
        assertEquals(List.of(), primary.onHeartbeat(active(HaRole.BACKUP, 2), 700 * MS), "the primary ranks higher");
        assertTrue(primary.owns(0));

        HaStateMachine poorPrimary = activeAlone(HaRole.PRIMARY, 1, HaRecovery.AUTO);
        poorPrimary.reached(1);
        assertOne(poorPrimary.onHeartbeat(beat(HaRole.BACKUP, 2, Heartbeat.State.ACTIVE, 1, 2, 0), 700 * MS),
                0, false, Cause.RANK);

        HaStateMachine twinHigh = activeAlone(HaRole.PRIMARY, 5, HaRecovery.AUTO);
        assertOne(twinHigh.onHeartbeat(active(HaRole.PRIMARY, 3), 700 * MS), 0, false, Cause.RANK);
        HaStateMachine twinLow = activeAlone(HaRole.PRIMARY, 3, HaRecovery.AUTO);
        assertEquals(List.of(), twinLow.onHeartbeat(active(HaRole.PRIMARY, 5), 700 * MS));
    }

    @Test
    void aStandbyThatReachesMoreTakesOverOnceCaughtUp() {
        HaStateMachine backup = node(HaRole.BACKUP, 2, HaRecovery.MANUAL);
        backup.reached(2);
        backup.onHeartbeat(beat(HaRole.PRIMARY, 1, Heartbeat.State.ACTIVE, 1, 1, 0), 10 * MS);
        assertFalse(backup.owns(0), "not caught up");
        backup.caughtUp(true);
        assertOne(backup.onHeartbeat(beat(HaRole.PRIMARY, 1, Heartbeat.State.ACTIVE, 1, 1, 0), 20 * MS),
                0, true, Cause.REACH);
        backup.reached(1);
        assertEquals(List.of(), backup.onHeartbeat(beat(HaRole.PRIMARY, 1, Heartbeat.State.STANDBY, 0, 1, 0),
                30 * MS), "serving, and the partner does not: no reason to hand back");
    }

    @Test
    void aGroupNobodyServesGoesToTheHigherRankingNode() {
        HaStateMachine primary = node(HaRole.PRIMARY, 1, HaRecovery.AUTO);
        assertOne(primary.onHeartbeat(beat(HaRole.BACKUP, 2, Heartbeat.State.INIT, 0, 0, 0), 10 * MS),
                0, true, Cause.RANK);
        HaStateMachine backup = node(HaRole.BACKUP, 2, HaRecovery.AUTO);
        assertEquals(List.of(), backup.onHeartbeat(beat(HaRole.PRIMARY, 1, Heartbeat.State.INIT, 0, 0, 0), 10 * MS));
        assertEquals(Heartbeat.State.STANDBY, backup.state());
    }

    @Test
    void thePartnerSeenOnTheSegmentIsAliveWithoutHeartbeats() {
        HaStateMachine backup = node(HaRole.BACKUP, 2, HaRecovery.AUTO);
        backup.onHeartbeat(active(HaRole.PRIMARY, 1), 0);
        // Heartbeats cut; the primary keeps answering ARP for its VIP.
        assertEquals(List.of(), backup.onPartnerSeen(0, 500 * MS));
        assertEquals(List.of(), backup.onTick(900 * MS), "seen 400 ms ago");
        assertEquals(Heartbeat.State.STANDBY, backup.state());
        assertOne(backup.onTick(1100 * MS), 0, true, Cause.PARTNER_DEAD);
    }

    @Test
    void aServingNodeThatSeesTheHigherRankingPartnerServeTooGivesUp() {
        HaStateMachine backup = node(HaRole.BACKUP, 2, HaRecovery.AUTO);
        backup.onHeartbeat(standby(HaRole.PRIMARY, 1), 0);
        assertOne(backup.onTick(DEAD), 0, true, Cause.PARTNER_DEAD);
        // The primary, also cut off, took over too: its gratuitous ARP comes from its MAC.
        assertOne(backup.onPartnerSeen(0, DEAD + 50 * MS), 0, false, Cause.RANK);
        HaStateMachine primary = node(HaRole.PRIMARY, 1, HaRecovery.AUTO);
        primary.onHeartbeat(standby(HaRole.BACKUP, 2), 0);
        primary.onTick(DEAD);
        assertEquals(List.of(), primary.onPartnerSeen(0, DEAD + 50 * MS), "the primary ranks higher and stays");
        assertTrue(primary.owns(0));
    }

    @Test
    void mutualNodesServeTheirOwnGroupsTakeTheOtherOnDeathAndHandItBack() {
        HaStateMachine one = node(HaRole.BOTH, 1, HaRecovery.AUTO);
        HaStateMachine two = node(HaRole.BOTH, 2, HaRecovery.AUTO);
        one.caughtUp(true);
        two.caughtUp(true);
        assertOne(one.onHeartbeat(beat(HaRole.BOTH, 2, Heartbeat.State.INIT, 0, 0, 0), 10 * MS), 0, true,
                Cause.RANK);
        assertOne(two.onHeartbeat(beat(HaRole.BOTH, 1, Heartbeat.State.ACTIVE, 0b01, 0, 0), 20 * MS), 1, true,
                Cause.RANK);
        assertEquals(List.of(), one.onHeartbeat(beat(HaRole.BOTH, 2, Heartbeat.State.ACTIVE, 0b10, 0, 0), 30 * MS));
        assertEquals(0b01, one.owned());
        assertEquals(0b10, two.owned());

        assertOne(one.onTick(30 * MS + DEAD), 1, true, Cause.PARTNER_DEAD);
        assertEquals(0b11, one.owned());

        HaStateMachine back = node(HaRole.BOTH, 2, HaRecovery.AUTO);
        back.caughtUp(true);
        assertOne(back.onHeartbeat(beat(HaRole.BOTH, 1, Heartbeat.State.ACTIVE, 0b11, 0, 0), 2000 * MS), 1, true,
                Cause.RECOVERY);
        assertOne(one.onHeartbeat(beat(HaRole.BOTH, 2, Heartbeat.State.ACTIVE, 0b10, 0, 0), 2010 * MS), 1, false,
                Cause.RANK);
        assertEquals(0b01, one.owned());
    }

    @Test
    void externalModeFollowsTheOperatorOnly() {
        HaStateMachine m = node(HaRole.EXTERNAL, 1, HaRecovery.AUTO);
        assertEquals(Heartbeat.State.STANDBY, m.state(), "no INIT: the operator's program decides");
        assertEquals(List.of(), m.onTick(10 * DEAD), "a silent partner changes nothing");
        assertTrue(m.takeover(0).refused().contains("external"));
        HaStateMachine.TakeoverResult r = m.external(true, 0);
        assertNull(r.refused());
        assertOne(r.transitions(), 0, true, Cause.EXTERNAL);
        assertEquals(List.of(), m.onHeartbeat(beat(HaRole.EXTERNAL, 2, Heartbeat.State.ACTIVE, 1, 5, 1), MS),
                "nor does an active partner that reaches more");
        assertOne(m.external(false, 2 * MS).transitions(), 0, false, Cause.EXTERNAL);
        assertEquals(Heartbeat.State.STANDBY, m.state());
    }
}
