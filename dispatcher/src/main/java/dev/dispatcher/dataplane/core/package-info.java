/**
 * Hot path. The types every data-plane stage shares, so that none of them depends on another for
 * them: the {@link dev.dispatcher.dataplane.core.FlowKey} the parse stage fills once per frame,
 * the immutable {@link dev.dispatcher.dataplane.core.ForwardingTable} the control plane compiles
 * and publishes, and the {@link dev.dispatcher.dataplane.core.Verdict}s every frame ends with.
 */
package dev.dispatcher.dataplane.core;
