package dev.dispatcher.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Packet I/O on the interface.
 *
 * @param backend     how frames are captured and sent
 * @param snaplen     bytes captured per frame; a truncated frame cannot be forwarded
 * @param bufferBytes kernel capture buffer; it absorbs pauses (GC, scheduling) without drops. For
 *                    {@code afpacket} it is the size of the RX ring (slots of snaplen + 80 bytes)
 * @param batchSize   frames taken per receive call before the batch is forwarded and flushed
 * @param pollTimeout longest wait for a frame before the receive loop does housekeeping
 * @param rxRing      afpacket only: frames (TPACKET_V2) or blocks (TPACKET_V3)
 * @param rxBlockTimeout afpacket with {@link RxRing#BLOCKS}: the block retire timeout
 * @param busyPoll    how long the receive loop keeps polling an empty RX ring after the last frame
 *                    before it sleeps ({@link Duration#ZERO}: sleep at once). Frames arriving within
 *                    it skip the thread wake-up, the largest part of the latency a user-space
 *                    forwarder adds at low rates, for the price of a core spinning while traffic
 *                    flows. {@code afpacket} only.
 */
public record IoConfig(IoBackend backend, int snaplen, int bufferBytes, int batchSize, Duration pollTimeout,
                       RxRing rxRing, Duration rxBlockTimeout, Duration busyPoll) {
    /** MTU 1500 + Ethernet header 14 + two VLAN tags 8: the largest frame we must forward whole. */
    public static final int MIN_SNAPLEN = 1522;
    public static final int MAX_SNAPLEN = 65_535;
    /** At 300k frames/s a 2 MiB buffer holds about 3 ms (docs/PACKET-IO.md, ring size); 1 MiB is the floor. */
    public static final int MIN_BUFFER_BYTES = 1 << 20;
    public static final int MAX_BUFFER_BYTES = 1 << 30;
    public static final int MIN_BATCH_SIZE = 1;
    public static final int MAX_BATCH_SIZE = 1024;
    public static final Duration MIN_POLL_TIMEOUT = Duration.ofMillis(1);
    public static final Duration MAX_POLL_TIMEOUT = Duration.ofSeconds(1);
    /**
     * The kernel counts the retire timeout in whole milliseconds; 0 would mean its own default
     * (8 ms at unknown link speed, as on veth).
     */
    public static final Duration MIN_RX_BLOCK_TIMEOUT = Duration.ofMillis(1);
    public static final Duration MAX_RX_BLOCK_TIMEOUT = Duration.ofMillis(100);
    public static final Duration DEFAULT_RX_BLOCK_TIMEOUT = Duration.ofMillis(1);

    public static final Duration MIN_BUSY_POLL = Duration.ofNanos(1_000);
    public static final Duration MAX_BUSY_POLL = Duration.ofSeconds(1);

    public static final IoConfig DEFAULTS = new IoConfig(IoBackend.platformDefault(), 2048, 16 << 20, 64,
            Duration.ofMillis(10), RxRing.FRAMES, DEFAULT_RX_BLOCK_TIMEOUT, Duration.ZERO);

    public IoConfig {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(pollTimeout, "pollTimeout");
        Objects.requireNonNull(rxRing, "rxRing");
        Objects.requireNonNull(rxBlockTimeout, "rxBlockTimeout");
        Objects.requireNonNull(busyPoll, "busyPoll");
    }

    /** The settings of earlier versions: RX per frame, no busy polling. */
    public IoConfig(IoBackend backend, int snaplen, int bufferBytes, int batchSize, Duration pollTimeout) {
        this(backend, snaplen, bufferBytes, batchSize, pollTimeout, RxRing.FRAMES, DEFAULT_RX_BLOCK_TIMEOUT,
                Duration.ZERO);
    }
}
