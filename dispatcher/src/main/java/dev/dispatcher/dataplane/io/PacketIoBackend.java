package dev.dispatcher.dataplane.io;

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

    /** Human-readable name for logs, e.g. "pcap4j on eth0". */
    String description();

    @Override
    default void close() {
    }
}
