package dev.dispatcher.control.sync;

import dev.dispatcher.control.DataPlaneView;
import dev.dispatcher.control.ha.SharedKey;
import dev.dispatcher.dataplane.core.FlowKey;
import dev.dispatcher.dataplane.core.ForwardingTable;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.crypto.Mac;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes the partner's flow stream: listens on the sync port of this host's own address, accepts
 * the partner's address only, sends a signed hello with a fresh nonce, then applies frame after
 * frame: each flow to the inbox of the worker that owns it (waiting while that inbox is full, so
 * TCP slows the partner down rather than anything being dropped). A frame that fails any check
 * ends the connection and is counted by its reason; nothing of it is applied.
 *
 * <p>Caught up means: connected, and the last bulk copy complete. Failback waits for it.
 */
public final class FlowSyncReceiver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FlowSyncReceiver.class);
    static final int READ_TIMEOUT_MILLIS = 3000;

    private final InetSocketAddress local;
    private final InetAddress peer;
    private final SharedKey key;
    private final DataPlaneView view;
    private final AtomicReference<ForwardingTable> tables;
    private final Supplier<Map<Long, Integer>> pairs;
    private final SecureRandom random = new SecureRandom();
    private final byte[] buffer = new byte[SyncFrames.MAX_BODY];
    private final FlowKey key0 = new FlowKey();
    private final Map<SyncFrames.Rejection, Long> rejected = new EnumMap<>(SyncFrames.Rejection.class);
    private ServerSocket server;
    private Thread thread;
    private volatile boolean stopping;
    private volatile Socket current;
    private volatile boolean connected;
    private volatile boolean bulkDone;
    private volatile long applied;
    private volatile long unknownPairs;
    private volatile long lagMillis = -1;
    private volatile long partnerRecords;
    private Map<Long, Integer> pairIds = Map.of();
    private long pairsOfVersion = -1;

    public FlowSyncReceiver(InetSocketAddress local, InetAddress peer, SharedKey key, DataPlaneView view,
                            AtomicReference<ForwardingTable> tables, Supplier<Map<Long, Integer>> pairs) {
        this.local = local;
        this.peer = peer;
        this.key = key;
        this.view = view;
        this.tables = tables;
        this.pairs = pairs;
    }

    /** Binds the listening socket; its failure is the caller's (the dispatcher does not start). */
    public void bind() throws IOException {
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(local, 4);
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot listen for flow sync on " + local.getAddress().getHostAddress() + ":"
                    + local.getPort() + " (TCP, ha.listen-port): " + e.getMessage(), e);
        }
        server = s;
    }

    public void start() {
        thread = Thread.ofPlatform().name("dispatcher-sync-in").daemon().start(this::loop);
    }

    /** The port it listens on (the configured one; a test's bound to 0 learns it here). */
    public int port() {
        return server.getLocalPort();
    }

    private void loop() {
        Mac mac = key.hmac();
        while (!stopping) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (stopping) {
                    return;
                }
                // Out of descriptors, say: try again, or this node could never catch up again.
                LOG.error("sync: accepting failed ({}); trying again in 1 s", e.getMessage());
                sleepQuietly(1000);
                continue;
            } catch (RuntimeException e) {
                LOG.error("sync: unexpected error accepting; trying again in 1 s", e);
                sleepQuietly(1000);
                continue;
            }
            try (s) {
                if (!s.getInetAddress().equals(peer)) {
                    count(SyncFrames.Rejection.UNKNOWN_PEER);
                    LOG.warn("sync: refused a connection from {} (not the partner {})", s.getInetAddress(), peer);
                    continue;
                }
                current = s;
                s.setTcpNoDelay(true);
                // The sender's keepalives come every half second: silence this long is a dead
                // stream (a partner whose host died sends no FIN), and the next connection waits.
                s.setSoTimeout(READ_TIMEOUT_MILLIS);
                DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream(), 1 << 16));
                byte[] challenge = new byte[SyncFrames.NONCE_BYTES];
                in.readFully(challenge);
                byte[] nonce = new byte[SyncFrames.NONCE_BYTES];
                random.nextBytes(nonce);
                s.getOutputStream().write(SyncFrames.hello(mac, nonce, challenge));
                s.getOutputStream().flush();
                connected = true;
                LOG.info("sync: taking the flows of {}", peer);
                take(in, mac, nonce);
            } catch (SyncFrames.RefusedException e) {
                count(e.rejection());
                LOG.warn("sync: stream from {} refused ({}: {}); nothing more of it applied", peer,
                        e.rejection().label(), e.getMessage());
            } catch (EOFException e) {
                LOG.info("sync: the partner closed the stream");
            } catch (IOException e) {
                if (!stopping) {
                    LOG.info("sync: stream from {} ended: {}", peer, e.getMessage());
                }
            } catch (RuntimeException e) {
                LOG.error("sync: unexpected error taking the stream from {}; dropped it", peer, e);
            } finally {
                connected = false;
                bulkDone = false;
                current = null;
            }
        }
    }

    private synchronized void count(SyncFrames.Rejection why) {
        rejected.merge(why, 1L, Long::sum);
    }

    private void take(DataInputStream in, Mac mac, byte[] nonce) throws IOException {
        long expected = 1;
        while (!stopping) {
            SyncFrames.Frame f = SyncFrames.read(in, mac, nonce, expected++, buffer);
            switch (f.kind()) {
                case SyncFrames.BULK_BEGIN -> bulkDone = false;
                case SyncFrames.BULK_END -> {
                    bulkDone = true;
                    LOG.info("sync: bulk copy from {} complete, {} records applied", peer, applied);
                }
                default -> apply(f.payload());
            }
            partnerRecords = f.recordsBefore();
            lagMillis = Math.max(0, System.currentTimeMillis() - f.wallMillis());
        }
    }

    /** Decodes the whole batch first: one bad record refuses all of it. */
    private void apply(ByteBuffer payload) throws IOException {
        ByteBuffer check = payload.duplicate();
        try {
            while (check.hasRemaining()) {
                SyncRecords.read(check, key0);
            }
        } catch (IllegalArgumentException e) {
            throw new SyncFrames.RefusedException(SyncFrames.Rejection.BAD_RECORD, e.getMessage());
        }
        ForwardingTable table = tables.get();
        if (table.version() != pairsOfVersion) {
            pairIds = pairs.get();
            pairsOfVersion = table.version();
        }
        while (payload.hasRemaining()) {
            SyncRecords.Decoded r = SyncRecords.read(payload, key0);
            if (r.type() == SyncRecords.REMOVE) {
                while (!view.remove(key0)) {
                    pause();
                }
            } else {
                Integer pair = pairIds.get(r.fingerprint());
                if (pair == null) {
                    // A service or server this node's configuration does not have.
                    unknownPairs++;
                    continue;
                }
                while (!view.handOver(key0, pair, r.state(), r.lifetimeNanos())) {
                    pause();
                }
            }
            applied++;
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void pause() throws IOException {
        if (stopping) {
            throw new IOException("stopping");
        }
        try {
            TimeUnit.MILLISECONDS.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** Connected, and the partner's last bulk copy applied in full. */
    public boolean caughtUp() {
        return connected && bulkDone;
    }

    public boolean connected() {
        return connected;
    }

    /** Records applied since the start. */
    public long applied() {
        return applied;
    }

    /** Records the partner had sent before its last frame. */
    public long partnerRecords() {
        return partnerRecords;
    }

    /** How old the last frame was when it arrived (wall clocks of both hosts), -1 before the first. */
    public long lagMillis() {
        return lagMillis;
    }

    public long unknownPairs() {
        return unknownPairs;
    }

    public synchronized Map<SyncFrames.Rejection, Long> rejected() {
        return new EnumMap<>(rejected);
    }

    @Override
    public void close() {
        stopping = true;
        try {
            if (server != null) {
                server.close();
            }
            Socket s = current;
            if (s != null) {
                s.close();
            }
        } catch (IOException e) {
            LOG.debug("sync: closing: {}", e.getMessage());
        }
        if (thread != null) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
