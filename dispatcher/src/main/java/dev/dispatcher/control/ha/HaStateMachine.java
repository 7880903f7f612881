package dev.dispatcher.control.ha;

import dev.dispatcher.config.HaRecovery;
import dev.dispatcher.config.HaRole;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which cluster groups ({@link HaGroups}) this node serves, decided from what it knows of its
 * partner: the last accepted heartbeat and when it came, and the partner's ARP seen on the
 * segment. A pure function of the events it is given (no clock, no threads, no I/O), so every
 * transition is tested on its own; the HA thread feeds it and carries out what it returns.
 *
 * <p>The rules, per group, once the node has left INIT:
 * <ul>
 *   <li>A partner neither heard (no heartbeat for {@code dead-after}) nor seen (no ARP for one of
 *       its VIPs within {@code dead-after}) is dead: this node serves every group.</li>
 *   <li>Serving, it gives a group up only to a partner that asks for it by operator takeover, or
 *       that serves it too (split brain) and ranks higher: more reach targets reached, then the
 *       group's preferred node (the primary; in mutual HA the group's {@code ha-owner}), then the
 *       lower node id.</li>
 *   <li>Not serving a group the live partner serves, it takes it only once its flow table has
 *       caught up ({@link #caughtUp}) and only if an operator asked ({@link #takeover}), or it
 *       reaches more targets, or {@code recovery: auto} and it is the group's preferred node with
 *       no fewer targets reached.</li>
 *   <li>A group nobody serves while both are up goes to the higher-ranking node.</li>
 * </ul>
 * INIT ends when the partner is first heard, or after {@code dead-after} without it. In
 * {@code external} mode nothing is automatic: the node serves every group or none, as the
 * operator's program said ({@link #external}).
 */
public final class HaStateMachine {
    /** Why a group changed hands; the label of the transition counter. */
    public enum Cause {
        /** No partner heard within dead-after of the start. */
        START_ALONE,
        /** No valid heartbeat and no ARP from the partner within dead-after. */
        PARTNER_DEAD,
        /** The partner said it is stopping. */
        PARTNER_STOPPED,
        /** Both served the group; this node ranks lower and gave it up, or higher and nobody served. */
        RANK,
        /** This node reaches more targets than the partner serving the group. */
        REACH,
        /** recovery: auto brought the group back to its preferred node. */
        RECOVERY,
        /** An operator asked this node to take over. */
        TAKEOVER,
        /** The partner took over on its operator's request. */
        PARTNER_TAKEOVER,
        /** ha.role external: the operator's program set the role. */
        EXTERNAL;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One group changing hands: {@code active} says whether this node serves it now. */
    public record Transition(int group, boolean active, Cause cause, String reason) {
    }

    private final HaRole role;
    private final int nodeId;
    /** The configured partner id, 0 when the configuration names none. */
    private final int peerNodeId;
    private final HaRecovery recovery;
    private final long deadAfterNanos;
    private final int groups;
    private long startNanos;

    private boolean init = true;
    private int owned;
    private int takeoverRequested;
    private boolean caughtUp;
    private int reached;
    private Heartbeat partner;
    private long heardAtNanos;
    /** The partner's last word was that it is stopping. */
    private boolean stopped;
    /** Left INIT by hearing the partner, and not caught up with its flows since (nor waited too long). */
    private boolean fresh;
    private long leftInitNanos;
    /** This node had left INIT before the decision under way. */
    private boolean running;
    /** How long a fresh node waits for the partner's flows before taking an unserved group by rank. */
    static final int FRESH_WAIT_DEAD_AFTERS = 10;
    private final long[] seenAtNanos = new long[HaGroups.MAX];
    private final boolean[] seen = new boolean[HaGroups.MAX];
    private boolean externalActive;

    /**
     * @param peerNodeId the partner's id from the configuration, 0 when it names none: until the
     *                   partner is heard, a backup assumes it is the primary, and ties go to this
     *                   node only when the ids say so
     */
    public HaStateMachine(HaRole role, int nodeId, int peerNodeId, HaRecovery recovery, long deadAfterNanos,
                          long startNanos) {
        this.role = role;
        this.nodeId = nodeId;
        this.peerNodeId = peerNodeId;
        this.recovery = recovery;
        this.deadAfterNanos = deadAfterNanos;
        this.groups = HaGroups.count(role);
        this.startNanos = startNanos;
        // An external program decides from the first moment; until it does, this node serves nothing.
        this.init = role != HaRole.EXTERNAL;
    }

    // ------------------------------------------------------------------ events

    /** Starts the INIT clock again: the node is created before its process is ready to serve. */
    public void started(long nowNanos) {
        if (init) {
            startNanos = nowNanos;
        }
    }

    /**
     * An accepted heartbeat of the partner. One that says it is stopping ends the partner's life
     * at once: its groups are taken without waiting dead-after, and its ARP seen before no
     * longer counts.
     */
    public List<Transition> onHeartbeat(Heartbeat h, long nowNanos) {
        partner = h;
        if (h.state() == Heartbeat.State.STOPPING) {
            stopped = true;
            seen[0] = false;
            seen[1] = false;
            return decide(nowNanos);
        }
        stopped = false;
        heardAtNanos = nowNanos;
        return decide(nowNanos);
    }

    /** Time passed: the partner may have died, INIT may end. */
    public List<Transition> onTick(long nowNanos) {
        return decide(nowNanos);
    }

    /**
     * The partner's MAC answered or announced a VIP of {@code group} on the segment: the partner
     * is alive and serves that group, heartbeats or not.
     */
    public List<Transition> onPartnerSeen(int group, long nowNanos) {
        if (stopped) {
            // Its last answers while it shuts down: the partner said it is going.
            return List.of();
        }
        seen[group] = true;
        seenAtNanos[group] = nowNanos;
        return decide(nowNanos);
    }

    /** How many reach targets answered in the last round. */
    public void reached(int count) {
        this.reached = count;
    }

    /** Whether this node's flow table holds the partner's flows (bulk copy done, stream current). */
    public void caughtUp(boolean value) {
        this.caughtUp = value;
    }

    /** What {@link #takeover} answered: the reason it was refused, or the transitions it caused. */
    public record TakeoverResult(String refused, List<Transition> transitions) {
    }

    /** An operator's {@code dispatcher ha takeover}: take every group the partner serves. */
    public TakeoverResult takeover(long nowNanos) {
        if (role == HaRole.EXTERNAL) {
            return refused("ha.role is external: set the role with dispatcher ha role active");
        }
        if (init) {
            return refused("still starting (INIT): the partner has not been heard yet");
        }
        int missing = HaGroups.all(groups) & ~owned;
        if (missing == 0) {
            return refused("already active for every cluster");
        }
        if (!partnerHeard(nowNanos)) {
            return refused("the partner's heartbeats do not arrive: it could not hear the request to give its "
                    + "clusters up");
        }
        if (!caughtUp) {
            return refused("the flow table has not caught up with the partner's: its connections would break");
        }
        for (int g = 0; g < groups; g++) {
            if ((missing & (1 << g)) != 0 && recovery == HaRecovery.AUTO && partner != null
                    && partnerPreferred(g) && !preferred(g)) {
                return refused("recovery is auto: the partner would take the clusters back at once; "
                        + "set ha.recovery: manual on both nodes for a switchover");
            }
        }
        takeoverRequested = missing;
        return new TakeoverResult(null, decide(nowNanos));
    }

    /** {@code dispatcher ha role active|standby} with {@code ha.role: external}. */
    public TakeoverResult external(boolean active, long nowNanos) {
        if (role != HaRole.EXTERNAL) {
            return refused("ha.role is " + role.configName() + ", not external: the pair decides on its own"
                    + " (use dispatcher ha takeover for a switchover)");
        }
        externalActive = active;
        return new TakeoverResult(null, decide(nowNanos));
    }

    private static TakeoverResult refused(String why) {
        return new TakeoverResult(why, List.of());
    }

    // ------------------------------------------------------------------ the decision

    private List<Transition> decide(long nowNanos) {
        List<Transition> out = new ArrayList<>(2);
        if (role == HaRole.EXTERNAL) {
            for (int g = 0; g < groups; g++) {
                set(g, externalActive, Cause.EXTERNAL, "set by the operator", out);
            }
            return out;
        }
        boolean heard = partnerHeard(nowNanos);
        running = !init;
        if (init) {
            if (heard) {
                init = false;
                fresh = true;
                leftInitNanos = nowNanos;
            } else if (nowNanos - startNanos >= deadAfterNanos) {
                init = false;
                for (int g = 0; g < groups; g++) {
                    set(g, true, Cause.START_ALONE, "no partner heard within dead-after of the start", out);
                }
                return out;
            } else {
                return out;
            }
        }
        if (caughtUp || nowNanos - leftInitNanos >= FRESH_WAIT_DEAD_AFTERS * deadAfterNanos) {
            // Caught up, or waited long enough: a sync path that never works must not keep a group unserved.
            fresh = false;
        }
        for (int g = 0; g < groups; g++) {
            decide(g, nowNanos, heard, out);
        }
        return out;
    }

    private void decide(int g, long nowNanos, boolean heard, List<Transition> out) {
        // While heartbeats arrive they say who serves; ARP older than the last one says nothing more.
        boolean seenServing = seen[g] && nowNanos - seenAtNanos[g] < deadAfterNanos
                && (!heard || seenAtNanos[g] - heardAtNanos > 0);
        boolean partnerServes = (heard && partner.owns(g)) || seenServing;
        boolean mine = owns(g);
        int bit = 1 << g;
        if (!heard && !seenServing) {
            takeoverRequested &= ~bit;
            if (stopped) {
                set(g, true, Cause.PARTNER_STOPPED, "the partner is stopping", out);
            } else {
                set(g, true, Cause.PARTNER_DEAD, "no heartbeat and no ARP from the partner for dead-after", out);
            }
            return;
        }
        if ((takeoverRequested & bit) != 0 && mine && heard && !partner.owns(g)) {
            // The partner let go: the switchover is done.
            takeoverRequested &= ~bit;
        }
        boolean asked = (takeoverRequested & bit) != 0;
        if (mine) {
            if (heard && partner.asksTakeover(g) && partner.state() != Heartbeat.State.INIT && !asked) {
                set(g, false, Cause.PARTNER_TAKEOVER, "the partner's operator took over", out);
            } else if (partnerServes && !asked && !ranksHigher(g, heard)) {
                set(g, false, Cause.RANK, "both served the group; the partner ranks higher (" + ranking(g) + ")",
                        out);
            }
            return;
        }
        if (partnerServes) {
            // Taking a group the partner serves needs its flows here, and a partner that can hear the claim.
            if (!heard || !caughtUp) {
                return;
            }
            if (asked) {
                set(g, true, Cause.TAKEOVER, "operator takeover", out);
            } else if (reached > partner.reached()) {
                set(g, true, Cause.REACH, "reaches " + reached + " targets, the partner " + partner.reached(), out);
            } else if (recovery == HaRecovery.AUTO && preferred(g) && !partnerPreferred(g)
                    && reached >= partner.reached()) {
                set(g, true, Cause.RECOVERY, "recovery: auto, this node is the group's preferred node", out);
            }
            return;
        }
        if (asked) {
            set(g, true, Cause.TAKEOVER, "operator takeover", out);
        } else if (heard && partner.state() == Heartbeat.State.INIT && running && caughtUp) {
            // A partner that restarted within dead-after: this node, which holds the flows, serves
            // until the partner has caught up and takes the group back.
            set(g, true, Cause.RANK, "nobody served the group and the partner is starting", out);
        } else if (fresh && (!heard || partner.state() != Heartbeat.State.INIT)) {
            // Just started, the partner running: its flows first, or they would break.
            return;
        } else if (ranksHigher(g, heard)) {
            set(g, true, Cause.RANK, "nobody served the group; this node ranks higher (" + ranking(g) + ")", out);
        }
    }

    /**
     * Reach, then preference, then the lower node id. The partner's reach counts only while it is
     * heard: a count from before heartbeats stopped says nothing about now.
     */
    private boolean ranksHigher(int g, boolean heard) {
        int partnerReached = partner == null ? 0 : partner.reached();
        if (heard && reached != partnerReached) {
            return reached > partnerReached;
        }
        boolean mine = preferred(g);
        boolean theirs = partnerPreferred(g);
        if (mine != theirs) {
            return mine;
        }
        // An unknown partner wins the last tie: two nodes that both kept a group would never settle.
        int partnerId = partnerId();
        return partnerId != 0 && nodeId < partnerId;
    }

    /** The partner's id as last heard, else as configured, else 0. */
    private int partnerId() {
        return partner != null ? partner.nodeId() : peerNodeId;
    }

    private String ranking(int g) {
        return "reach " + reached + " vs " + (partner == null ? 0 : partner.reached()) + ", preferred "
                + preferred(g) + " vs " + partnerPreferred(g) + ", node id " + nodeId + " vs "
                + (partnerId() == 0 ? "?" : partnerId());
    }

    private boolean preferred(int g) {
        return HaGroups.preferred(role, nodeId, partnerId(), g);
    }

    /**
     * Whether the partner is the group's preferred node. Before it is heard its role is a guess:
     * a pair is a primary and a backup, or two mutual nodes; the ids decide the latter.
     */
    private boolean partnerPreferred(int g) {
        if (partner != null) {
            return HaGroups.preferred(partner.role(), partner.nodeId(), nodeId, g);
        }
        return switch (role) {
            case BACKUP -> g == 0;
            case BOTH -> peerNodeId != 0 && HaGroups.preferred(HaRole.BOTH, peerNodeId, nodeId, g);
            case PRIMARY, EXTERNAL -> false;
        };
    }

    private void set(int g, boolean active, Cause cause, String reason, List<Transition> out) {
        if (owns(g) == active) {
            return;
        }
        owned = active ? owned | (1 << g) : owned & ~(1 << g);
        out.add(new Transition(g, active, cause, reason));
    }

    // ------------------------------------------------------------------ reading

    public boolean owns(int group) {
        return (owned & (1 << group)) != 0;
    }

    /** The groups served, one bit each, as heartbeats carry them. */
    public int owned() {
        return owned;
    }

    /** The groups an operator's takeover still asks the partner to give up. */
    public int takeoverRequested() {
        return takeoverRequested;
    }

    public int groups() {
        return groups;
    }

    public Heartbeat.State state() {
        if (init) {
            return Heartbeat.State.INIT;
        }
        return owned != 0 ? Heartbeat.State.ACTIVE : Heartbeat.State.STANDBY;
    }

    /** The last accepted heartbeat, or null. */
    public Heartbeat partner() {
        return partner;
    }

    /** Whether the partner was heard within dead-after of {@code nowNanos}. */
    public boolean partnerHeard(long nowNanos) {
        return partner != null && !stopped && nowNanos - heardAtNanos < deadAfterNanos;
    }

    public long heardAtNanos() {
        return heardAtNanos;
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    public int reached() {
        return reached;
    }
}
