package dev.dispatcher.config;

/**
 * Which node of a mutual-HA pair ({@code ha.role: both}) serves a cluster while both are up
 * ({@code clusters[].ha-owner}). The primary side is the node with the lower {@code ha.node-id}.
 */
public enum HaOwner {
    PRIMARY,
    BACKUP;

    public String configName() {
        return ConfigNames.of(this);
    }
}
