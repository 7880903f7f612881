/**
 * Control plane. The picocli commands {@code plan}, {@code apply}, {@code check}, {@code remove}
 * and {@code status}, their shared options, and the one-line error and exit-code conventions
 * (0 ok, 1 failure or problems found, 2 usage error).
 */
package dev.dispatcher.realserver.cli;
