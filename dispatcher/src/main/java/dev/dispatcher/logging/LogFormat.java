package dev.dispatcher.logging;

import ch.qos.logback.core.PropertyDefinerBase;
import java.util.Locale;

/**
 * Settles the log format for {@code logback.xml}: {@code json} or {@code text}. logback.xml passes the
 * requested value in ({@code <requested>}, resolved by logback from the context, a system property or
 * the environment) and names its appender after the result.
 *
 * <p>Without this, logback.xml would name the appender after the raw setting, and a typo
 * ({@code jsn}) would reference no appender: the service would run and log nothing. Here an unknown
 * value falls back to text with one line on stderr. (A logback warning status would make logback
 * print its whole configuration status, some thirty lines, on stdout, where commands such as
 * {@code status} print their results.)
 */
public final class LogFormat extends PropertyDefinerBase {
    public static final String TEXT = "text";
    public static final String JSON = "json";

    private String requested = "";

    /** The value asked for; empty or blank means the default, text. */
    public void setRequested(String requested) {
        this.requested = requested == null ? "" : requested;
    }

    @Override
    public String getPropertyValue() {
        String value = requested.strip().toLowerCase(Locale.ROOT);
        return switch (value) {
            case JSON -> JSON;
            case TEXT, "" -> TEXT;
            default -> {
                String warning = "unknown log format \"" + requested.strip()
                        + "\" (DISPATCHER_LOG_FORMAT or -Ddispatcher.log.format); use json or text; logging as text";
                addInfo(warning);
                System.err.println("dispatcher: warning: " + warning);
                yield TEXT;
            }
        };
    }
}
