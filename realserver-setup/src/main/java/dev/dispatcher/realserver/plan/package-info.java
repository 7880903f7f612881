/**
 * Control plane. Deciding what to change: the commented table of hidden-ARP sysctls, the
 * {@link dev.dispatcher.realserver.plan.Plan} of {@link dev.dispatcher.realserver.plan.Change}s that
 * {@code apply} and {@code remove} compute from a kernel snapshot and the recorded state, the boot
 * files of {@code --persist}, and the executor that performs a plan and rolls it back on failure.
 */
package dev.dispatcher.realserver.plan;
