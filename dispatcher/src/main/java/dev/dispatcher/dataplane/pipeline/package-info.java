/**
 * Hot path. Threading of the data plane. {@link dev.dispatcher.dataplane.pipeline.InlinePipeline}
 * runs receive, decision and send on one thread, batch by batch (the default on hosts with two
 * cores or fewer, where a spinning hand-off would steal the core the kernel needs for the packets).
 * {@link dev.dispatcher.dataplane.pipeline.RingPipeline} has a receive thread copy frames into the
 * preallocated slots of a Disruptor ring and several forwarding workers, each owning the shard of
 * the flow table chosen by the flow hash, consume it; a frame that finds the ring full is dropped
 * ({@code ring_full}) from a live source, while a file ({@code PacketSource.offline}) waits for a
 * slot, so that a replay gives every frame a verdict.
 * {@link dev.dispatcher.dataplane.pipeline.FanoutPipeline} runs several inline loops, each on its own
 * thread with its own source (a member of a kernel fanout group, whose hash keeps each flow on one
 * member) and sink: no receive thread and no hand-off. All drive the same
 * {@link dev.dispatcher.dataplane.pipeline.ForwardingWorker}.
 */
package dev.dispatcher.dataplane.pipeline;
