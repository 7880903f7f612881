package dev.dispatcher.control.ha;

import dev.dispatcher.config.HaConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.MacAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of a high-availability pair, running: a thread that sends a heartbeat every interval
 * to the partner over UDP, believes the partner's ({@link HeartbeatReceiver}), watches the
 * partner's ARP that the data plane counts, feeds all of it to the {@link HaStateMachine} and
 * carries out its decisions through the {@link Host}: which cluster groups to serve. Every
 * change of hands is logged once with its reason, counted, sent to the partner at once (a
 * heartbeat out of turn) and handed to the notify program.
 *
 * <p>The machine is guarded by this object's lock: the HA thread, the reach thread and the admin
 * API's takeover and role calls take it for a few microseconds, never while doing I/O.
 */
public final class HaNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HaNode.class);
    /** How often the loop looks at the data plane's count of the partner's ARP between heartbeats. */
    private static final long POLL_NANOS = 10_000_000L;
    /** Sent at a graceful stop, so the partner takes over without waiting dead-after. */
    private static final int STOPPING_REPEATS = 3;

    /** What the node needs from the dispatcher it runs in. */
    public interface Host {
        /** Serve these groups (bits), watch this partner MAC, announce again when the generation grows. */
        void serve(int groups, long partnerMac, long announceGeneration);

        /** How often the data plane saw the partner's MAC claim a VIP of {@code group}. */
        long partnerSeen(int group);

        /** Whether this node's flow table holds the partner's flows. */
        boolean caughtUp();

        /** Flow records applied from the partner's stream, for heartbeats and status. */
        long syncPosition();

        /** Frames forwarded so far, summed over the workers (any thread). */
        long forwardedFrames();
    }

    private final HaConfig config;
    private final Host host;
    private final long ownMac;
    private final InetSocketAddress peer;
    private final InetSocketAddress local;
    private final HaStateMachine machine;
    private final HeartbeatCodec sendCodec;
    private final HeartbeatReceiver receiver;
    private final HaNotifier notifier;
    private final ReachProbe reach;
    private final long intervalNanos;
    private final long deadAfterNanos;
    private final long[] seenCounts = new long[HaGroups.MAX];
    private final long[] tookAtNanos = new long[HaGroups.MAX];
    private final Map<HaStateMachine.Cause, Long> transitions = new EnumMap<>(HaStateMachine.Cause.class);
    private final CountDownLatch ended = new CountDownLatch(1);
    private final byte[] out = new byte[HeartbeatCodec.LENGTH];
    private DatagramChannel channel;
    private Selector selector;
    private Thread thread;
    private volatile boolean stopping;
    private long sequence;
    private long sent;
    private long announceGeneration;
    private long lastAnnounceAgainNanos;
    private long partnerMac;
    private String lastChange;
    private long lastChangeEpochMs;
    private Heartbeat.State lastState;
    private volatile boolean beatNow;
    /** Grows with every change of what the dispatcher must serve; see {@link #publish}. */
    private long ownershipStamp;
    private long publishedStamp = -1;
    private final Object publishing = new Object();
    /** The last time this node took a group (System.nanoTime: CLOCK_MONOTONIC, one clock for the host). */
    private long lastTakeoverNanos;
    /** When the first frame was forwarded after it; 0 while the HA thread is still watching for it. */
    private long firstForwardedNanos;
    private long forwardedAtTakeover = -1;

    /**
     * @param ownIp  this host's address on the interface: heartbeats leave from it
     * @param ownMac the interface's MAC, told to the partner so it knows this node's ARP
     */
    public HaNode(HaConfig config, SharedKey key, int ownIp, long ownMac, Host host) {
        this.config = config;
        this.host = host;
        this.ownMac = ownMac;
        this.peer = new InetSocketAddress(Ipv4.toInetAddress(config.peer()), config.listenPort());
        this.local = new InetSocketAddress(Ipv4.toInetAddress(ownIp), config.listenPort());
        this.intervalNanos = config.heartbeatInterval().toNanos();
        this.deadAfterNanos = config.deadAfter().toNanos();
        long now = System.nanoTime();
        this.machine = new HaStateMachine(config.role(), config.nodeId(), config.peerNodeId(), config.recovery(),
                deadAfterNanos, now);
        this.sendCodec = new HeartbeatCodec(key);
        this.receiver = new HeartbeatReceiver(new HeartbeatCodec(key), config.nodeId(), config.peerNodeId());
        this.sequence = HeartbeatCodec.firstSequence(System.currentTimeMillis() * 1000);
        this.notifier = new HaNotifier(config.notifyProgram());
        this.reach = new ReachProbe(config.reachTargets(), config.heartbeatInterval(), this::reached);
        this.lastState = machine.state();
    }

    /** Binds the UDP socket; its failure is the caller's (the dispatcher does not start). */
    public void bind() throws IOException {
        channel = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            // No SO_REUSEADDR: a second dispatcher on this address must fail here, not share the heartbeats.
            channel.bind(local);
            channel.configureBlocking(false);
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
        } catch (IOException e) {
            channel.close();
            if (selector != null) {
                selector.close();
            }
            throw new IOException("cannot listen for heartbeats on " + local.getAddress().getHostAddress() + ":"
                    + local.getPort() + " (ha.listen-port): " + e.getMessage(), e);
        }
    }

    /** Starts the thread ({@link #bind} first). Until the machine decides, nothing is served. */
    public void start() {
        synchronized (this) {
            machine.started(System.nanoTime());
        }
        for (int g = 0; g < machine.groups(); g++) {
            seenCounts[g] = host.partnerSeen(g);
        }
        host.serve(0, 0, 0);
        LOG.info("HA: node {} ({}), partner {}:{}, heartbeat every {} ms, dead after {} ms, recovery {}; "
                        + "serving nothing until the partner is heard or {} ms have passed",
                config.nodeId(), config.role().configName(), Ipv4.format(config.peer()), config.listenPort(),
                intervalNanos / 1_000_000, deadAfterNanos / 1_000_000, config.recovery().configName(),
                deadAfterNanos / 1_000_000);
        thread = Thread.ofPlatform().name("dispatcher-ha").daemon().start(this::loop);
        reach.start();
    }

    private void loop() {
        ByteBuffer in = ByteBuffer.allocate(HeartbeatCodec.LENGTH + 1);
        try {
            while (!stopping) {
                try {
                    step(in);
                } catch (RuntimeException e) {
                    // A bug must not end the pair's heartbeats: the partner would take over from a live node.
                    LOG.error("HA: unexpected error in the heartbeat loop; going on", e);
                    Thread.sleep(intervalNanos / 1_000_000);
                }
            }
            for (int i = 0; i < STOPPING_REPEATS; i++) {
                send(System.nanoTime(), true);
            }
        } catch (IOException e) {
            if (!stopping) {
                LOG.error("HA: the heartbeat socket failed ({}); this node serves what it served and hears no more",
                        e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ended.countDown();
        }
    }

    /** When the next heartbeat is due; the loop thread's own. */
    private long nextBeat = System.nanoTime();

    /** One turn of the loop: a heartbeat when due, the segment, the clock, then what arrives until the next. */
    private void step(ByteBuffer in) throws IOException {
        long now = System.nanoTime();
        if (beatNow || now - nextBeat >= 0) {
            beatNow = false;
            send(now, false);
            nextBeat = now + intervalNanos;
        }
        watchSegment(now);
        watchFirstFrame();
        synchronized (this) {
            machine.caughtUp(host.caughtUp());
            apply(machine.onTick(now));
        }
        publish();
        long wait = Math.max(1, Math.min(nextBeat - System.nanoTime(), POLL_NANOS) / 1_000_000);
        if (selector.select(wait) > 0) {
            selector.selectedKeys().clear();
            SocketAddress from;
            while ((from = channel.receive(in.clear())) != null) {
                receive(in, from);
            }
        }
    }

    private void receive(ByteBuffer in, SocketAddress from) {
        boolean fromPeer = from instanceof InetSocketAddress a && a.getAddress().equals(peer.getAddress());
        long now = System.nanoTime();
        synchronized (this) {
            Heartbeat h = receiver.receive(in.array(), in.position(), fromPeer);
            if (h == null) {
                return;
            }
            if (h.mac() != 0 && h.mac() != partnerMac) {
                partnerMac = h.mac();
                LOG.info("HA: partner node {} answers ARP with {}", h.nodeId(), MacAddress.format(partnerMac));
                ownershipStamp++;
            }
            machine.caughtUp(host.caughtUp());
            apply(machine.onHeartbeat(h, now));
        }
        publish();
    }

    /** The partner's ARP for a VIP, counted by the data plane since the last look. */
    private void watchSegment(long now) {
        for (int g = 0; g < machine.groups(); g++) {
            long seen = host.partnerSeen(g);
            if (seen == seenCounts[g]) {
                continue;
            }
            seenCounts[g] = seen;
            synchronized (this) {
                if (machine.owns(g) && now - tookAtNanos[g] <= intervalNanos) {
                    // An answer to a probe sent just before this node took the group is no claim.
                    continue;
                }
                boolean served = machine.owns(g);
                apply(machine.onPartnerSeen(g, now));
                if (served && machine.owns(g) && now - lastAnnounceAgainNanos >= deadAfterNanos) {
                    // The partner claims a VIP this node keeps: win the clients back at once.
                    lastAnnounceAgainNanos = now;
                    announceGeneration++;
                    LOG.warn("HA: the partner ({}) announced a VIP of group {} that this node serves and ranks "
                            + "higher for; announcing it again", MacAddress.format(partnerMac), g);
                    ownershipStamp++;
                }
            }
        }
        publish();
    }

    /**
     * Hands the latest decision to the dispatcher, outside this node's lock: compiling a table may
     * wait for the control plane's lock (a reload, an advisor's change), and heartbeats must not
     * wait with it. Calls are serialised and each reads the state of its moment, so an older
     * decision never replaces a newer one.
     */
    private void publish() {
        synchronized (publishing) {
            int groups;
            long mac;
            long generation;
            long stamp;
            synchronized (this) {
                groups = machine.owned();
                mac = partnerMac;
                generation = announceGeneration;
                stamp = ownershipStamp;
            }
            if (stamp != publishedStamp) {
                host.serve(groups, mac, generation);
                publishedStamp = stamp;
            }
        }
    }

    /**
     * After a takeover, the moment the first frame goes out (to the HA loop's ~10 ms): what
     * failover costs the clients, measured where it happens rather than by a poll from outside.
     */
    private void watchFirstFrame() {
        long baseline;
        synchronized (this) {
            baseline = forwardedAtTakeover;
        }
        if (baseline < 0) {
            return;
        }
        long forwarded = host.forwardedFrames();
        long now = System.nanoTime();
        if (forwarded > baseline) {
            synchronized (this) {
                firstForwardedNanos = now;
                forwardedAtTakeover = -1;
                LOG.info("HA: first frame forwarded {} ms after the takeover", (now - lastTakeoverNanos) / 1_000_000);
            }
        }
    }

    private synchronized void reached(int count) {
        machine.reached(count);
    }

    /** Carries out the machine's decisions. Under the lock. */
    private void apply(List<HaStateMachine.Transition> changes) {
        if (changes.isEmpty()) {
            stateChanged(null);
            return;
        }
        long now = System.nanoTime();
        for (HaStateMachine.Transition t : changes) {
            if (t.active()) {
                tookAtNanos[t.group()] = now;
                lastTakeoverNanos = now;
                firstForwardedNanos = 0;
                forwardedAtTakeover = host.forwardedFrames();
            }
            transitions.merge(t.cause(), 1L, Long::sum);
            lastChange = (t.active() ? "took" : "gave up") + " group " + t.group() + ": " + t.reason();
            lastChangeEpochMs = System.currentTimeMillis();
            LOG.info("HA: {} cluster group {} ({}): {}", t.active() ? "serving" : "no longer serving", t.group(),
                    t.cause().label(), t.reason());
        }
        ownershipStamp++;
        stateChanged(changes.getLast().reason());
        // The partner learns of the change now, not at the next interval.
        beatNow = true;
        selector.wakeup();
    }

    /** Logs and notifies a change of state (INIT to STANDBY needs no change of hands). Under the lock. */
    private void stateChanged(String reason) {
        Heartbeat.State state = machine.state();
        if (state == lastState) {
            return;
        }
        String why = reason != null ? reason : state == Heartbeat.State.STANDBY ? "the partner serves" : "";
        LOG.info("HA: node {} is {} (was {}){}", config.nodeId(), name(state), name(lastState),
                why.isEmpty() ? "" : ": " + why);
        lastState = state;
        notifier.notify(name(state), why);
    }

    private void send(long now, boolean leaving) throws IOException {
        Heartbeat h;
        synchronized (this) {
            h = new Heartbeat(config.nodeId(), config.role(), leaving ? Heartbeat.State.STOPPING : machine.state(),
                    sequence++, Math.min(255, machine.reached()), host.syncPosition(),
                    leaving ? 0 : machine.owned(), leaving ? 0 : machine.takeoverRequested(), ownMac);
            sendCodec.encode(h, out);
            sent++;
        }
        try {
            channel.send(ByteBuffer.wrap(out), peer);
        } catch (IOException e) {
            // No route or a full buffer: the partner misses one heartbeat, as on a lossy link.
            LOG.debug("HA: heartbeat not sent: {}", e.getMessage());
        }
    }

    // ------------------------------------------------------------------ operations

    /** {@code dispatcher ha takeover}: null when done, else why not. */
    public String takeover() {
        synchronized (this) {
            machine.caughtUp(host.caughtUp());
            HaStateMachine.TakeoverResult r = machine.takeover(System.nanoTime());
            if (r.refused() != null) {
                return r.refused();
            }
            LOG.info("HA: operator takeover");
            apply(r.transitions());
        }
        publish();
        return null;
    }

    /** {@code dispatcher ha role active|standby}: null when done, else why not. */
    public String setRole(boolean active) {
        synchronized (this) {
            HaStateMachine.TakeoverResult r = machine.external(active, System.nanoTime());
            if (r.refused() != null) {
                return r.refused();
            }
            LOG.info("HA: role set to {} by the operator", active ? "active" : "standby");
            apply(r.transitions());
        }
        publish();
        return null;
    }

    /** A consistent picture for status and metrics. */
    public synchronized Snapshot snapshot() {
        long now = System.nanoTime();
        Map<HeartbeatCodec.Rejection, Long> rejected = new EnumMap<>(HeartbeatCodec.Rejection.class);
        for (HeartbeatCodec.Rejection r : HeartbeatCodec.Rejection.values()) {
            rejected.put(r, receiver.rejected(r));
        }
        Heartbeat p = machine.partner();
        long ageMs = p == null ? -1 : (now - machine.heardAtNanos()) / 1_000_000;
        return new Snapshot(machine.state(), machine.owned(), machine.groups(), p, ageMs, machine.partnerHeard(now),
                machine.reached(), machine.caughtUp(), sent, receiver.accepted(), rejected,
                new EnumMap<>(transitions), lastChange, lastChangeEpochMs, partnerMac, lastTakeoverNanos,
                firstForwardedNanos);
    }

    /** What {@link #snapshot} returns. */
    public record Snapshot(Heartbeat.State state, int owned, int groups, Heartbeat partner, long partnerAgeMs,
                           boolean partnerAlive, int reached, boolean caughtUp, long sent,
                           long accepted, Map<HeartbeatCodec.Rejection, Long> rejected,
                           Map<HaStateMachine.Cause, Long> transitions, String lastChange, long lastChangeEpochMs,
                           long partnerMac, long lastTakeoverNanos, long firstForwardedNanos) {
        public boolean owns(int group) {
            return (owned & (1 << group)) != 0;
        }
    }

    public HaConfig config() {
        return config;
    }

    /** The lower-case name of a state, as status, logs and the notify program show it. */
    public static String name(Heartbeat.State state) {
        return state.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Stops: tells the partner (three STOPPING heartbeats, so it takes over at once), closes the
     * socket. Serving stops with the data plane, which the caller stops after this.
     */
    @Override
    public void close() {
        if (stopping) {
            return;
        }
        stopping = true;
        reach.close();
        if (thread != null) {
            selector.wakeup();
            try {
                if (!ended.await(2, TimeUnit.SECONDS)) {
                    LOG.warn("HA: the heartbeat thread did not end within 2 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            if (selector != null) {
                selector.close();
            }
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            LOG.debug("HA: closing the heartbeat socket: {}", e.getMessage());
        }
        notifier.close();
    }
}
