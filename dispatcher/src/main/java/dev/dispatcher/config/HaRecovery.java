package dev.dispatcher.config;

/** What a preferred node does when it comes back while its partner serves ({@code ha.recovery}). */
public enum HaRecovery {
    /** Takes its clusters back once its flow table has caught up with the partner's. */
    AUTO,
    /** Stays standby until an operator runs {@code dispatcher ha takeover}. */
    MANUAL;

    public String configName() {
        return ConfigNames.of(this);
    }
}
