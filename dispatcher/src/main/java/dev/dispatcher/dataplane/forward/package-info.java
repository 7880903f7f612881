/**
 * Hot path. The per-packet decision: the immutable {@link dev.dispatcher.dataplane.forward.ForwardingTable}
 * that the control plane compiles, the {@link dev.dispatcher.dataplane.forward.Forwarder} that turns
 * each frame into a {@link dev.dispatcher.dataplane.forward.Verdict} (and rewrites the MACs of the
 * frames it forwards), and the plain per-worker counters it keeps.
 */
package dev.dispatcher.dataplane.forward;
