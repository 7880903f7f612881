/**
 * Control plane. The small privileged edge of this command: reading and writing sysctls under
 * {@code /proc/sys}, reading and changing addresses through iproute2's {@code ip}, checking for
 * root, and the immutable {@link dev.dispatcher.realserver.kernel.KernelState} snapshot that
 * planning and checking work on. Nothing here decides what to change.
 */
package dev.dispatcher.realserver.kernel;
