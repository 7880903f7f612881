package dev.dispatcher.config;

/** What happens to the existing flows of a real server that goes down (advisor or operator). */
public enum ServerDownPolicy {
    /** Flows are dropped from the table: their next packet is scheduled to a live server. */
    RESET,
    /** Flows stay with the server until they end (new flows go elsewhere at once). */
    KEEP;

    public String configName() {
        return ConfigNames.of(this);
    }
}
