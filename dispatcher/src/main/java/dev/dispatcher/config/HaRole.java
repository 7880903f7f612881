package dev.dispatcher.config;

/** What a node of a high-availability pair is configured as ({@code ha.role}). */
public enum HaRole {
    /** Serves every cluster while it is up and its partner is not better placed. */
    PRIMARY,
    /** Serves every cluster only while the primary cannot. */
    BACKUP,
    /**
     * Mutual HA: each node serves the clusters it owns ({@code ha-owner}) and takes the partner's
     * while the partner is down.
     */
    BOTH,
    /** Another program (keepalived, Pacemaker) decides, through {@code dispatcher ha role}. */
    EXTERNAL;

    public String configName() {
        return ConfigNames.of(this);
    }
}
