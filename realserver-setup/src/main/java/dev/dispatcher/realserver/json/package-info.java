/**
 * Control plane. The minimal JSON reader and writer used for {@code ip -json} output, the state
 * file and {@code check --json}; no dependency beyond the JDK.
 */
package dev.dispatcher.realserver.json;
