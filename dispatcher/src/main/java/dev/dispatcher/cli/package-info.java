/**
 * Control plane. The {@code dispatcher} command line (picocli): {@code run}, {@code check-config}
 * and {@code replay} work on a configuration file; {@code status}, {@code server ...},
 * {@code reload}, {@code config show|save} and {@code explain} talk to a running dispatcher through
 * its admin API ({@link dev.dispatcher.admin.AdminClient}); {@code completion} prints a bash
 * completion script. Exit codes: 0 success, 1 runtime failure (interface, permissions, I/O) or a
 * refused or unreachable admin call, 2 invalid configuration or usage.
 */
package dev.dispatcher.cli;
