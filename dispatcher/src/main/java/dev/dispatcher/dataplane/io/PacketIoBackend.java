package dev.dispatcher.dataplane.io;

import java.util.List;

/**
 * Opens sources and sinks on one interface. A sink per forwarding worker keeps each send path
 * owned by one thread.
 */
public interface PacketIoBackend extends AutoCloseable {
    PacketSource openSource();

    /**
     * A sink for one worker. {@code sameThreadAsSource} is true when the worker also polls the
     * source (inline mode): a backend may then send through the capture handle itself.
     */
    PacketSink openSink(boolean sameThreadAsSource);

    /**
     * Lets the frames for {@code vips} (and ARP) through the kernel's capture filters of every open
     * socket, from now on: called whenever the VIPs change (a reload, an added cluster). A backend
     * that filters nothing (a capture file) ignores it.
     */
    default void followVips(int[] vips) throws PacketIoException {
    }

    /** One worker's own way in and out, in fanout mode. */
    record WorkerIo(PacketSource source, PacketSink sink) {
    }

    /**
     * Fanout mode: one source and sink per worker, the sources in one group whose steering keeps
     * every frame of a flow on the worker that owns it; worker 0's source also takes ARP. A
     * backend that cannot fan out says so (the configuration allows fanout only where it can).
     */
    default List<WorkerIo> openFanout(int workers) throws PacketIoException {
        throw new UnsupportedOperationException(description() + " cannot fan out to several workers");
    }

    /** Human-readable name for logs, e.g. "pcap4j on eth0". */
    String description();

    @Override
    default void close() {
    }
}
