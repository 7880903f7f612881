package dev.dispatcher.control.api;

import java.util.List;

/**
 * Outcome of a reload.
 *
 * @param applied    true when the new configuration is running
 * @param atEpochMs  when it was attempted
 * @param errors     every validation error ("file:line:col: field: message") when not applied
 * @param changes    what changed when applied ("added server 198.18.0.14 to 198.18.0.100:80/tcp", ...)
 * @param warnings   settings that need a restart to take effect, and the like
 */
public record ReloadResult(boolean applied, long atEpochMs, List<String> errors, List<String> changes,
        List<String> warnings) {
}
