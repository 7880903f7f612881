package dev.dispatcher.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A high-availability pair ({@code ha}): who this node is, where its partner is, how often they
 * tell each other they are alive, and the key that authenticates what they say.
 *
 * @param role              primary, backup, both (mutual) or external
 * @param nodeId            1..255, this node's id; the partner's differs
 * @param peerNodeId        the partner's id, or {@link #ANY_PEER_NODE}: then the first authentic
 *                          heartbeat from {@code peer} fixes it for the life of the process
 * @param peer              the partner's own IPv4 address on the interface (heartbeats and sync)
 * @param listenPort        UDP port of heartbeats and sync, the same on both nodes
 * @param heartbeatInterval how often a heartbeat is sent
 * @param deadAfter         no valid heartbeat for this long and the partner is dead; at least two
 *                          heartbeat intervals
 * @param keyFile           the shared secret (owner-only file, at least 16 bytes of text)
 * @param recovery          whether a preferred node takes its clusters back on its own
 * @param reachTargets      addresses each node pings; the node that reaches more serves
 * @param notifyProgram     a program called with the new state on every change, or empty
 */
public record HaConfig(HaRole role, int nodeId, int peerNodeId, int peer, int listenPort,
        Duration heartbeatInterval, Duration deadAfter, Path keyFile, HaRecovery recovery,
        List<Integer> reachTargets, Optional<Path> notifyProgram) {
    public static final int MIN_NODE_ID = 1;
    public static final int MAX_NODE_ID = 255;
    public static final int ANY_PEER_NODE = 0;
    public static final int DEFAULT_LISTEN_PORT = 7946;
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofMillis(200);
    /** Below 10 ms a busy host's scheduling delay alone would look like a dead partner. */
    public static final Duration MIN_HEARTBEAT_INTERVAL = Duration.ofMillis(10);
    public static final Duration MAX_HEARTBEAT_INTERVAL = Duration.ofSeconds(10);
    /** The default dead-after is this many heartbeat intervals: two lost heartbeats are survived. */
    public static final int DEFAULT_DEAD_AFTER_INTERVALS = 3;
    /** One lost heartbeat must never look like a dead partner. */
    public static final int MIN_DEAD_AFTER_INTERVALS = 2;
    public static final Duration MAX_DEAD_AFTER = Duration.ofMinutes(1);
    public static final int MAX_REACH_TARGETS = 16;

    public HaConfig {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(deadAfter, "deadAfter");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(recovery, "recovery");
        reachTargets = List.copyOf(reachTargets);
        Objects.requireNonNull(notifyProgram, "notifyProgram");
    }
}
