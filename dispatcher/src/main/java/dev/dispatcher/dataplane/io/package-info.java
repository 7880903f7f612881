/**
 * Hot path. The seam between the dispatcher and whatever moves frames: a
 * {@link dev.dispatcher.dataplane.io.PacketSource} hands frames to a
 * {@link dev.dispatcher.dataplane.io.FrameHandler} in place (the buffer is only valid during the
 * call, so a memory-mapped ring can lend its slots without a copy) and a
 * {@link dev.dispatcher.dataplane.io.PacketSink} sends frames, flushing at the end of each batch.
 * Backends live in sub-packages: {@code afpacket} (memory-mapped AF_PACKET rings through the
 * foreign function API; its {@code Native} class is the only one that makes downcalls),
 * {@code pcap4j} (the only one that touches pcap4j) and {@code pcapfile} (capture files for the
 * offline replay, in plain Java).
 */
package dev.dispatcher.dataplane.io;
