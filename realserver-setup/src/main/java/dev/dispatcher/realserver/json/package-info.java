/**
 * Control plane. JSON for {@code ip -json} output, the state file and {@code check --json}:
 * jackson-core's streaming parser with bounded depth and size, read into plain maps and lists.
 */
package dev.dispatcher.realserver.json;
