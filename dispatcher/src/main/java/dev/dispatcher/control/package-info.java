/**
 * Control plane. Turns a validated configuration into the data plane: compiles the immutable
 * {@link dev.dispatcher.dataplane.core.ForwardingTable}, reads the interface's identity, builds
 * the capture filter, assembles workers and the pipeline for the chosen threading mode, and runs
 * the dispatcher's lifecycle (start, periodic log of what the counters reveal, clean stop).
 * Allocation and logging are fine here; nothing here runs per packet.
 */
package dev.dispatcher.control;
