/**
 * Control plane. The {@code dispatcher} command line (picocli): {@code run}, {@code check-config}
 * and {@code replay}. Exit codes: 0 success, 1 runtime failure (interface, permissions, I/O),
 * 2 invalid configuration or usage.
 */
package dev.dispatcher.cli;
