package dev.dispatcher.control.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dispatcher.config.HaRecovery;
import dev.dispatcher.config.HaRole;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two {@link HaStateMachine}s wired as the HA threads wire them, through a heartbeat link that can
 * be cut and a segment on which each sees the other's ARP, over random phases of kills, restarts
 * and cuts. After every phase has settled, each group has exactly one owner while both live, and
 * the survivor owns every group when one is dead: the split brain of a cut heartbeat link is
 * resolved by the segment, and nothing flaps while the phase lasts.
 */
class HaPairSimulationTest {
    private static final long MS = 1_000_000L;
    private static final long INTERVAL = 200 * MS;
    private static final long DEAD = 600 * MS;
    private static final long STEP = 50 * MS;
    private static final long PHASE = 4_000 * MS;
    /** Dead-after to notice, then a few intervals for heartbeats or ARP to settle a conflict. */
    private static final long SETTLE = DEAD + 4 * INTERVAL;

    private final class Node {
        final HaRole role;
        final int id;
        final HaRecovery recovery;
        HaStateMachine machine;
        boolean alive = true;
        long sequence = 1;
        long nextBeat;

        Node(HaRole role, int id, HaRecovery recovery) {
            this.role = role;
            this.id = id;
            this.recovery = recovery;
            start(0);
        }

        void start(long now) {
            machine = new HaStateMachine(role, id, 0, recovery, DEAD, now);
            // Flow sync is not modelled: a live node's table counts as caught up.
            machine.caughtUp(true);
            alive = true;
            nextBeat = now;
        }

        Heartbeat beat() {
            return new Heartbeat(id, role, machine.state(), sequence++, 0, 0, machine.owned(),
                    machine.takeoverRequested(), 0x02_00_00_00_00_00L | id);
        }
    }

    @ParameterizedTest(name = "{0}/{1} seed {2}")
    @CsvSource({"PRIMARY, BACKUP, 1", "PRIMARY, BACKUP, 2", "PRIMARY, BACKUP, 3", "BOTH, BOTH, 4", "BOTH, BOTH, 5",
        "BOTH, BOTH, 6"})
    void everyGroupEndsWithExactlyOneOwner(HaRole roleA, HaRole roleB, long seed) {
        Random random = new Random(seed);
        Node a = new Node(roleA, 1, random.nextBoolean() ? HaRecovery.AUTO : HaRecovery.MANUAL);
        Node b = new Node(roleB, 2, a.recovery);
        int groups = HaGroups.count(roleA);
        long now = 0;
        for (int phase = 0; phase < 40; phase++) {
            // The pair is installed with a working link: each has heard the other once.
            boolean linkUp = phase == 0 || random.nextInt(3) != 0;
            // Kill or restart at the start of the phase; at least one node lives.
            for (Node n : new Node[] {a, b}) {
                int dice = random.nextInt(4);
                if (n.alive && dice == 0 && (n == a ? b : a).alive) {
                    n.alive = false;
                } else if (!n.alive && dice != 0) {
                    n.start(now);
                }
            }
            long end = now + PHASE;
            long settled = now + SETTLE;
            for (; now < end; now += STEP) {
                step(a, b, linkUp, now);
                step(b, a, linkUp, now);
                if (now >= settled) {
                    for (int g = 0; g < groups; g++) {
                        int owners = (a.alive && a.machine.owns(g) ? 1 : 0) + (b.alive && b.machine.owns(g) ? 1 : 0);
                        assertEquals(1, owners, "group " + g + " at " + now / MS + " ms, phase " + phase
                                + ", link " + (linkUp ? "up" : "cut") + ", alive " + a.alive + "/" + b.alive);
                    }
                }
            }
        }
    }

    private static void step(Node self, Node other, boolean linkUp, long now) {
        if (!self.alive) {
            return;
        }
        int before = self.machine.owned();
        self.machine.onTick(now);
        if (now - self.nextBeat >= 0) {
            self.nextBeat = now + INTERVAL;
            if (linkUp && other.alive) {
                other.machine.onHeartbeat(self.beat(), now);
            }
            // The standby's ARP probe to the partner's MAC: answered for every group the partner serves.
            for (int g = 0; g < self.machine.groups(); g++) {
                if (!self.machine.owns(g) && other.alive && other.machine.owns(g)) {
                    self.machine.onPartnerSeen(g, now);
                }
            }
        }
        // A group taken is announced by gratuitous ARP, which the partner sees on the segment.
        int gained = self.machine.owned() & ~before;
        for (int g = 0; g < self.machine.groups(); g++) {
            if ((gained & (1 << g)) != 0 && other.alive) {
                other.machine.onPartnerSeen(g, now);
            }
        }
    }
}
