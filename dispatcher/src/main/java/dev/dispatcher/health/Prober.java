package dev.dispatcher.health;

import dev.dispatcher.config.AdvisorConfig;

/**
 * Probes one real server once. Implementations bound every probe by their own timeouts, never
 * throw for anything the server does (a failure is a result with a reason), and keep no state
 * between probes, so one instance may probe many targets from many threads.
 */
@FunctionalInterface
public interface Prober {

    ProbeResult probe(ProbeTarget target);

    /** The prober an advisor describes. */
    static Prober forAdvisor(AdvisorConfig advisor) {
        return switch (advisor.type()) {
            case TCP -> new TcpProber(advisor.connectTimeout());
            case HTTP, HTTPS -> HttpProber.forAdvisor(advisor);
            case SCRIPT -> new ScriptProber(advisor.command(), advisor.receiveTimeout());
        };
    }
}
