package dev.dispatcher.control.api;

import java.util.Locale;

/** An operator's manual override of a server's state. */
public enum ServerOverride {
    /** Up whatever the advisor says. */
    UP,
    /** Down whatever the advisor says. */
    DOWN,
    /** No override: the advisor decides again. */
    AUTO;

    /** As the API and the CLI spell it: {@code up}, {@code down}, {@code auto}. */
    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
