package dev.dispatcher.control.ha;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.HaOwner;
import dev.dispatcher.config.HaRole;

/**
 * The clusters of a pair fall into groups that change hands together. With {@code role: primary},
 * {@code backup} or {@code external} there is one group, every cluster. In mutual HA ({@code both})
 * there are two: group 0 holds the clusters whose {@code ha-owner} is primary, group 1 those of the
 * backup, and the primary side is the node with the lower node id.
 */
public final class HaGroups {
    /** The most groups a pair has; heartbeats carry one bit per group. */
    public static final int MAX = 2;

    private HaGroups() {
    }

    /** How many groups a pair of {@code role} nodes has. */
    public static int count(HaRole role) {
        return role == HaRole.BOTH ? 2 : 1;
    }

    /** The group of a cluster. */
    public static int of(ClusterConfig cluster, HaRole role) {
        return role == HaRole.BOTH && cluster.haOwner() == HaOwner.BACKUP ? 1 : 0;
    }

    /**
     * Whether a node with {@code role} and {@code nodeId} is the one meant to serve {@code group}
     * while both are up; in mutual HA this needs the partner's id (0, not known: not preferred).
     */
    static boolean preferred(HaRole role, int nodeId, int partnerId, int group) {
        return switch (role) {
            case PRIMARY -> group == 0;
            case BACKUP, EXTERNAL -> false;
            case BOTH -> partnerId != 0 && (group == 0) == (nodeId < partnerId);
        };
    }

    /** Every group bit of a pair with {@code groups} groups. */
    static int all(int groups) {
        return (1 << groups) - 1;
    }
}
