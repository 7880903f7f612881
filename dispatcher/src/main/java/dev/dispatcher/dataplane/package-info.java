/**
 * Hot path. Everything that runs per packet: packet I/O ({@code io}), the pipeline that moves
 * frames between threads ({@code pipeline}), the forwarding decision ({@code forward}), the flow
 * table ({@code conntrack}), the scheduler ({@code sched}) and ARP ({@code arp}).
 *
 * <p>Rules for every class below this package: one thread owns each piece of mutable state; no
 * allocation after warm-up, no locks, no logging, no exceptions for control flow; primitive data
 * structures; malformed input becomes a verdict and a counter. The control plane hands in an
 * immutable {@link dev.dispatcher.dataplane.core.ForwardingTable}; the data plane never imports
 * configuration, logging or metrics-library types.
 */
package dev.dispatcher.dataplane;
