package dev.dispatcher.control.sync;

import dev.dispatcher.control.DataPlaneView;
import dev.dispatcher.control.ha.SharedKey;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.core.ForwardingTable;
import dev.dispatcher.dataplane.pipeline.FlowRecord;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.crypto.Mac;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams this node's flows to the partner: connects to its sync port, proves nothing but reads
 * the partner's signed hello, turns the workers' flow events on, asks every worker for a bulk copy
 * (bulk begin, the copy, bulk end once every worker has said it is done), then sends what the
 * workers report as it happens, in batches at most {@link #FLUSH_NANOS} old. Only flows of VIPs
 * this node serves go out (the current table's VIPs): the partner's own flows, synced here, are
 * not sent back. Events lost to a full outbox start a new bulk copy (a gap is never silent); a
 * broken connection is retried every {@link #RETRY_MILLIS}. One thread.
 */
public final class FlowSyncSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FlowSyncSender.class);
    /** A batch goes out at most this long after its first record: the stream lags by no more. */
    static final long FLUSH_NANOS = 20_000_000L;
    static final int RETRY_MILLIS = 200;
    /**
     * An empty batch after this long without a frame: a stream to a partner that restarted fails
     * on the next write or the one after, and is opened again, even when this node has nothing to
     * say (a standby sends no flows).
     */
    static final long KEEPALIVE_NANOS = 500_000_000L;
    private static final int BATCH_BYTES = 64 * 1024;
    private static final int EVENTS_PER_DRAIN = 4096;

    private final InetSocketAddress local;
    private final InetSocketAddress peer;
    private final SharedKey key;
    private final DataPlaneView view;
    private final AtomicReference<ForwardingTable> tables;
    private final Supplier<Map<Integer, Long>> fingerprints;
    private final long refreshNanos;
    private final ByteBuffer batch = ByteBuffer.allocate(BATCH_BYTES + 64);
    private final SecureRandom random = new SecureRandom();
    private final byte[] frame = new byte[4 + SyncFrames.HEADER_BYTES + BATCH_BYTES + 64 + SyncFrames.TAG_BYTES];
    private volatile boolean stopping;
    private volatile Socket socket;
    private Thread thread;
    private long sequence;
    private long recordsSent;
    private long batchStartedNanos;
    private long lastFrameNanos;
    private int dumpsPending;
    private long dumpRequest;
    private boolean bulk;
    private ForwardingTable table;
    private Map<Integer, Long> pairFingerprints = Map.of();
    private long fingerprintsOfVersion = -1;
    private volatile long totalRecords;
    private volatile long bytesSent;
    private volatile long bulks;
    private volatile boolean connected;

    /**
     * @param refreshNanos how often every live flow is sent again, so that the partner's copies of
     *                     long idle flows do not expire before the originals (a third of the
     *                     shortest flow timeout that matters, the established one)
     */
    public FlowSyncSender(InetSocketAddress local, InetSocketAddress peer, SharedKey key, DataPlaneView view,
                          AtomicReference<ForwardingTable> tables, Supplier<Map<Integer, Long>> fingerprints,
                          long refreshNanos) {
        this.local = local;
        this.peer = peer;
        this.key = key;
        this.view = view;
        this.tables = tables;
        this.fingerprints = fingerprints;
        this.refreshNanos = refreshNanos;
    }

    public void start() {
        thread = Thread.ofPlatform().name("dispatcher-sync-out").daemon().start(this::loop);
    }

    private void loop() {
        Mac mac = key.hmac();
        boolean logged = false;
        while (!stopping) {
            try (Socket s = new Socket()) {
                socket = s;
                s.bind(new InetSocketAddress(local.getAddress(), 0));
                s.connect(peer, 1000);
                s.setTcpNoDelay(true);
                s.setSoTimeout(5000);
                byte[] challenge = new byte[SyncFrames.NONCE_BYTES];
                random.nextBytes(challenge);
                s.getOutputStream().write(challenge);
                s.getOutputStream().flush();
                byte[] nonce = SyncFrames.readHello(new DataInputStream(s.getInputStream()), mac, challenge);
                s.setSoTimeout(0);
                LOG.info("sync: streaming flows to {}", peer);
                logged = false;
                stream(new BufferedOutputStream(s.getOutputStream(), 2 * frame.length), mac, nonce);
            } catch (IOException | RuntimeException e) {
                if (e instanceof RuntimeException) {
                    LOG.error("sync: unexpected error streaming to {}; starting over", peer, e);
                }
                if (!stopping && !logged) {
                    // Once per outage: a partner that is down is retried quietly.
                    LOG.info("sync: no stream to {} ({}); retrying every {} ms", peer, e.getMessage(), RETRY_MILLIS);
                    logged = true;
                }
            } finally {
                connected = false;
                view.wantFlowEvents(false);
            }
            sleep(RETRY_MILLIS);
        }
    }

    private void stream(OutputStream out, Mac mac, byte[] nonce) throws IOException {
        sequence = 1;
        recordsSent = 0;
        batch.clear();
        // Events left from an earlier stream (or from before events were turned off) are stale:
        // the bulk copy tells every live flow anew.
        while (view.drainFlowEvents(r -> { }, EVENTS_PER_DRAIN) > 0) {
            Thread.onSpinWait();
        }
        view.wantFlowEvents(true);
        connected = true;
        long lost = view.flowEventsLost();
        beginBulk(out, mac, nonce);
        long nextRefresh = System.nanoTime() + refreshNanos;
        while (!stopping) {
            table = tables.get();
            if (table.version() != fingerprintsOfVersion) {
                pairFingerprints = fingerprints.get();
                fingerprintsOfVersion = table.version();
            }
            int drained;
            try {
                drained = view.drainFlowEvents(r -> onEvent(r, out, mac, nonce), EVENTS_PER_DRAIN);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            long now = System.nanoTime();
            if (batch.position() > 0 && now - batchStartedNanos >= FLUSH_NANOS) {
                flush(out, mac, nonce);
            } else if (now - lastFrameNanos >= KEEPALIVE_NANOS) {
                send(out, mac, nonce, SyncFrames.BATCH);
                out.flush();
            }
            long nowLost = view.flowEventsLost();
            if (bulk && dumpsPending == 0 && nowLost == lost) {
                flush(out, mac, nonce);
                // Counted before the end goes out: whoever sees the partner caught up sees the count.
                bulks++;
                send(out, mac, nonce, SyncFrames.BULK_END);
                out.flush();
                bulk = false;
                LOG.info("sync: bulk copy to {} done, {} records so far", peer, recordsSent);
            }
            if (nowLost != lost) {
                LOG.warn("sync: {} flow events lost to a full outbox; sending a new bulk copy", nowLost - lost);
                lost = nowLost;
                flush(out, mac, nonce);
                beginBulk(out, mac, nonce);
                out.flush();
            } else if (!bulk && now - nextRefresh >= 0) {
                nextRefresh = now + refreshNanos;
                // Every live flow again, as upserts: the partner's copies live as long as ours.
                askForDump();
            }
            if (drained == 0) {
                out.flush();
                sleep(2);
            }
        }
        flush(out, mac, nonce);
        out.flush();
    }

    private void beginBulk(OutputStream out, Mac mac, byte[] nonce) throws IOException {
        bulk = true;
        send(out, mac, nonce, SyncFrames.BULK_BEGIN);
        askForDump();
    }

    /** A new copy from every worker; the ends of earlier ones no longer count. */
    private void askForDump() {
        dumpRequest++;
        dumpsPending = view.workerCount();
        int asked = 0;
        while ((asked = view.dumpFlows(dumpRequest, asked)) < dumpsPending && !stopping) {
            sleep(1);
        }
    }

    private void onEvent(FlowRecord r, OutputStream out, Mac mac, byte[] nonce) {
        try {
            switch (r.kind()) {
                case FlowRecord.DUMP_DONE -> {
                    if (r.request() == dumpRequest) {
                        dumpsPending = Math.max(0, dumpsPending - 1);
                    }
                }
                case FlowRecord.CREATED, FlowRecord.CHANGED -> {
                    FlowKey k = r.key();
                    Long fingerprint = pairFingerprints.get(r.pair());
                    if (fingerprint != null && served(k)) {
                        room(SyncRecords.upsertLength(k), out, mac, nonce);
                        SyncRecords.upsert(batch, k, r.state(), fingerprint, r.nanos());
                        recordsSent++;
                    }
                }
                case FlowRecord.ENDED -> {
                    FlowKey k = r.key();
                    if (served(k)) {
                        room(SyncRecords.removeLength(k), out, mac, nonce);
                        SyncRecords.remove(batch, k);
                        recordsSent++;
                    }
                }
                default -> {
                    // Answers to questions are not flow events.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean served(FlowKey k) {
        return table.isVip(k.destinationHigh(), k.destinationLow());
    }

    private void room(int bytes, OutputStream out, Mac mac, byte[] nonce) throws IOException {
        if (batch.position() + bytes > BATCH_BYTES) {
            flush(out, mac, nonce);
        }
        if (batch.position() == 0) {
            batchStartedNanos = System.nanoTime();
        }
    }

    private void flush(OutputStream out, Mac mac, byte[] nonce) throws IOException {
        if (batch.position() == 0) {
            return;
        }
        long before = totalRecords;
        SyncFrames.write(out, mac, nonce, SyncFrames.BATCH, sequence++, System.currentTimeMillis(), before, batch,
                frame);
        lastFrameNanos = System.nanoTime();
        bytesSent += SyncFrames.frameBytes(batch.position());
        totalRecords = recordsSent;
        batch.clear();
    }

    private void send(OutputStream out, Mac mac, byte[] nonce, int kind) throws IOException {
        SyncFrames.write(out, mac, nonce, kind, sequence++, System.currentTimeMillis(), totalRecords, null, frame);
        lastFrameNanos = System.nanoTime();
        bytesSent += SyncFrames.frameBytes(0);
    }

    private static void sleep(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records sent in the current stream. */
    public long recordsSent() {
        return totalRecords;
    }

    /** Bytes of frames written since the start (framing and tags included). */
    public long bytesSent() {
        return bytesSent;
    }

    /** Bulk copies completed since the start. */
    public long bulkCopies() {
        return bulks;
    }

    public boolean connected() {
        return connected;
    }

    @Override
    public void close() {
        stopping = true;
        try {
            // The thread flushes its last batch on its way out; the socket is closed after it, or
            // after a second when it is stuck in a connect or a write.
            if (thread != null) {
                thread.join(1000);
            }
            Socket s = socket;
            if (s != null) {
                s.close();
            }
            if (thread != null) {
                thread.join(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            LOG.debug("sync: closing: {}", e.getMessage());
        }
    }
}
