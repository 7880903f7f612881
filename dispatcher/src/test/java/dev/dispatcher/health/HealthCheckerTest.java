package dev.dispatcher.health;

import static dev.dispatcher.health.HealthTesting.advisor;
import static dev.dispatcher.health.HealthTesting.await;
import static dev.dispatcher.health.HealthTesting.target;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.dispatcher.config.AdvisorConfig;
import dev.dispatcher.config.AdvisorType;
import dev.dispatcher.health.HealthChecker.Check;
import dev.dispatcher.health.HealthTesting.Event;
import dev.dispatcher.health.HealthTesting.Events;
import dev.dispatcher.health.HealthTesting.HungServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {
    private static final Duration INTERVAL = Duration.ofMillis(50);
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    private static final Duration SLACK = Duration.ofSeconds(1);

    private final AtomicInteger status = new AtomicInteger(200);
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Events events = new Events();
    private HttpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(status.get(), -1);
            }
        });
        server.setExecutor(executor);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
        executor.shutdownNow();
    }

    private int port() {
        return server.getAddress().getPort();
    }

    private static long probes(HealthChecker checker, String key) {
        return checker.state(key).orElseThrow().totalProbes();
    }

    @Test
    void aServerThatStartsFailingGoesDownOnceAndComesBackAfterRise() throws Exception {
        AdvisorConfig advisor = advisor(AdvisorType.HTTP, INTERVAL, TIMEOUT, 2, 2);
        String key = "web";
        try (HealthChecker checker = new HealthChecker(events)) {
            checker.start(List.of(new Check(target(port(), key), advisor)));
            TargetHealth initial = checker.state(key).orElseThrow();
            assertTrue(initial.up(), "a new target starts up");
            assertEquals("no probe yet", initial.lastReason());
            assertTrue(await(SLACK, () -> probes(checker, key) >= 2));
            assertNull(events.queue.peek(), "healthy probes are no transition");

            long switched = System.nanoTime();
            status.set(503);
            Duration bound = INTERVAL.multipliedBy(advisor.fall()).plus(advisor.probeBound()).plus(SLACK);
            Event down = events.next(bound);
            assertNotNull(down, "went down within " + bound);
            assertEquals(new Event(key, false, "HTTP 503", down.atNanos()), down);
            assertTrue(Duration.ofNanos(down.atNanos() - switched).compareTo(bound) < 0);

            long probesAtDown = probes(checker, key);
            assertTrue(await(SLACK, () -> probes(checker, key) >= probesAtDown + 3));
            assertNull(events.queue.peek(), "one transition, not one per failed probe");
            TargetHealth failing = checker.state(key).orElseThrow();
            assertFalse(failing.up());
            assertEquals("HTTP 503", failing.lastReason());
            assertTrue(failing.consecutiveFailures() >= 5);
            assertTrue(failing.totalFailures() >= 5);
            assertTrue(failing.lastDurationNanos() > 0);

            status.set(200);
            Event up = events.next(INTERVAL.multipliedBy(advisor.rise()).plus(advisor.probeBound()).plus(SLACK));
            assertNotNull(up, "came back");
            assertEquals(new Event(key, true, "HTTP 200", up.atNanos()), up);
            TargetHealth back = checker.state(key).orElseThrow();
            assertTrue(back.up());
            assertEquals(advisor.rise(), back.consecutiveSuccesses(), "up on exactly the rise-th success");
            long probesAtUp = probes(checker, key);
            assertTrue(await(SLACK, () -> probes(checker, key) >= probesAtUp + 3));
            assertNull(events.queue.peek(), "one transition back");
        }
    }

    @Test
    void aHungServerStallsOnlyItsOwnProbes() throws Exception {
        try (HungServer hung = new HungServer(); HealthChecker checker = new HealthChecker(events)) {
            AdvisorConfig slow = advisor(AdvisorType.HTTP, INTERVAL, Duration.ofSeconds(10), 1, 1);
            checker.start(List.of(new Check(target(hung.port(), "hung"), slow),
                    new Check(target(port(), "healthy"), advisor(AdvisorType.HTTP, INTERVAL, TIMEOUT, 1, 1))));
            assertTrue(await(SLACK, () -> !hung.accepted.isEmpty()), "the hung server got its probe");

            // The property is isolation, not speed (the machine is shared): the healthy target keeps
            // being probed, several times, while the hung one sits in its first probe.
            long before = probes(checker, "healthy");
            assertTrue(await(Duration.ofSeconds(5), () -> probes(checker, "healthy") >= before + 3),
                    "the healthy target kept being probed: " + (probes(checker, "healthy") - before));
            assertEquals(0, probes(checker, "hung"), "still in its first probe");
            assertEquals(1, hung.accepted.size(), "no second probe overlaps the hung one");
            assertNull(events.queue.peek());
        }
    }

    /** A fake prober per key: healthy or not at will, counting its probes. */
    private static final class Fakes {
        final Map<String, AtomicBoolean> healthy = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();

        Prober prober(AdvisorConfig ignored) {
            return target -> {
                calls.computeIfAbsent(target.key(), k -> new AtomicLong()).incrementAndGet();
                boolean up = healthy.computeIfAbsent(target.key(), k -> new AtomicBoolean(true)).get();
                return new ProbeResult(up, up ? "fine" : "broken", 1000);
            };
        }

        long calls(String key) {
            AtomicLong count = calls.get(key);
            return count == null ? 0 : count.get();
        }
    }

    @Test
    void replaceKeepsTheStateOfRemainingTargetsStopsRemovedOnesAndStartsNewOnesUp() throws Exception {
        Fakes fakes = new Fakes();
        AdvisorConfig advisor = advisor(AdvisorType.TCP, Duration.ofMillis(20), TIMEOUT, 2, 2);
        Check a = new Check(target(1001, "a"), advisor);
        Check b = new Check(target(1002, "b"), advisor);
        Check c = new Check(target(1003, "c"), advisor);
        try (HealthChecker checker = new HealthChecker(events, fakes::prober)) {
            fakes.healthy.put("a", new AtomicBoolean(false));
            checker.start(List.of(a, b));
            Event down = events.next(SLACK);
            assertNotNull(down);
            assertEquals("a", down.key());
            assertFalse(down.up());
            long aProbes = probes(checker, "a");

            checker.replace(List.of(a, c));
            long bCalls = fakes.calls("b");
            TargetHealth aKept = checker.state("a").orElseThrow();
            assertFalse(aKept.up(), "a stays down");
            assertTrue(aKept.totalProbes() >= aProbes, "a's counts go on");
            assertTrue(checker.state("b").isEmpty(), "b is gone");
            TargetHealth cNew = checker.state("c").orElseThrow();
            assertTrue(cNew.up(), "c starts up");
            assertTrue(await(SLACK, () -> probes(checker, "c") >= 3 && probes(checker, "a") >= aProbes + 3));
            assertTrue(fakes.calls("b") <= bCalls + 1, "b is no longer probed (one probe may have been under way)");
            assertEquals(List.of("a", "c"), List.copyOf(checker.states().keySet()));

            // A changed advisor for a remaining key: a new loop, the same verdict and counts.
            AdvisorConfig slower = advisor(AdvisorType.TCP, Duration.ofMillis(30), TIMEOUT, 3, 2);
            long aBefore = probes(checker, "a");
            checker.replace(List.of(c, new Check(a.target(), slower)));
            assertEquals(List.of("c", "a"), List.copyOf(checker.states().keySet()), "in the order given");
            TargetHealth aChanged = checker.state("a").orElseThrow();
            assertFalse(aChanged.up());
            assertTrue(aChanged.totalProbes() >= aBefore);
            assertNull(events.queue.peek(), "a replace is no transition");

            fakes.healthy.get("a").set(true);
            Event up = events.next(SLACK);
            assertNotNull(up);
            assertEquals("a", up.key());
            assertTrue(up.up());
            assertEquals(3, checker.state("a").orElseThrow().consecutiveSuccesses(), "the new rise applies");
            assertNull(events.next(Duration.ofMillis(100)), "nothing about c, which stayed up");
        }
    }

    @Test
    void duplicateKeysAreRefusedAndChangeNothing() throws Exception {
        Fakes fakes = new Fakes();
        AdvisorConfig advisor = advisor(AdvisorType.TCP, INTERVAL, TIMEOUT, 2, 2);
        try (HealthChecker checker = new HealthChecker(events, fakes::prober)) {
            checker.start(List.of(new Check(target(1, "x"), advisor)));
            assertThrows(IllegalArgumentException.class, () -> checker.replace(
                    List.of(new Check(target(1, "y"), advisor), new Check(target(2, "y"), advisor))));
            assertEquals(List.of("x"), List.copyOf(checker.states().keySet()));
            assertThrows(IllegalStateException.class, () -> checker.start(List.of()));
        }
    }

    @Test
    void probesOfOneTargetNeverOverlapAndRunStartToStart() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        List<Long> starts = new ArrayList<>();
        Prober slow = target -> {
            long begin = System.nanoTime();
            synchronized (starts) {
                starts.add(begin);
            }
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                Thread.sleep(target.port() == 1 ? 80 : 120);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            return ProbeResult.up("slow", begin);
        };
        // Interval 100 ms, probes of 80 ms: starts 100 ms apart, not 180.
        try (HealthChecker checker = new HealthChecker(events, config -> slow)) {
            checker.start(List.of(new Check(target(1, "t"), advisor(AdvisorType.TCP, Duration.ofMillis(100),
                    TIMEOUT, 1, 1))));
            assertTrue(await(Duration.ofSeconds(2), () -> probes(checker, "t") >= 6));
        }
        List<Long> copy;
        synchronized (starts) {
            copy = List.copyOf(starts);
        }
        // Start to start gives gaps of 100 ms, end to start 180 ms. Scheduling delays on a loaded
        // machine only add, so the smallest of five gaps tells the two apart.
        long minGapNanos = Long.MAX_VALUE;
        for (int i = 1; i <= 5; i++) {
            minGapNanos = Math.min(minGapNanos, copy.get(i) - copy.get(i - 1));
        }
        double minGapMillis = minGapNanos / 1e6;
        assertTrue(minGapMillis >= 95 && minGapMillis < 160, "smallest gap " + minGapMillis + " ms");

        // Interval 20 ms, probes of 120 ms: the next starts when the last ends, never alongside it.
        try (HealthChecker checker = new HealthChecker(events, config -> slow)) {
            checker.start(List.of(new Check(target(2, "u"), advisor(AdvisorType.TCP, Duration.ofMillis(20),
                    TIMEOUT, 1, 1))));
            assertTrue(await(Duration.ofSeconds(2), () -> probes(checker, "u") >= 4));
        }
        assertEquals(1, maxInFlight.get());
    }

    @Test
    void firstProbesAreSpreadOverAnInterval() throws Exception {
        Map<String, Long> first = new ConcurrentHashMap<>();
        Prober stamp = target -> {
            first.putIfAbsent(target.key(), System.nanoTime());
            return ProbeResult.up("ok", System.nanoTime());
        };
        AdvisorConfig advisor = advisor(AdvisorType.TCP, Duration.ofMillis(400), TIMEOUT, 2, 2);
        List<Check> checks = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            checks.add(new Check(target(i, "s" + i), advisor));
        }
        try (HealthChecker checker = new HealthChecker(events, config -> stamp)) {
            checker.start(checks);
            assertTrue(await(SLACK, () -> first.size() == 100));
        }
        long spread = first.values().stream().mapToLong(Long::longValue).max().orElseThrow()
                - first.values().stream().mapToLong(Long::longValue).min().orElseThrow();
        assertTrue(spread > Duration.ofMillis(200).toNanos(), "first probes within " + spread / 1_000_000 + " ms");
    }

    @Test
    void aFailingListenerOrProberStopsNothing() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(true);
        AtomicInteger heard = new AtomicInteger();
        Prober flaky = target -> {
            if (!healthy.get()) {
                throw new IllegalStateException("bug in a prober");
            }
            return ProbeResult.up("ok", System.nanoTime());
        };
        HealthListener throwing = (target, up, reason) -> {
            heard.incrementAndGet();
            events.onTransition(target, up, reason);
            throw new IllegalStateException("bug in a listener");
        };
        try (HealthChecker checker = new HealthChecker(throwing, config -> flaky)) {
            checker.start(List.of(new Check(target(1, "f"), advisor(AdvisorType.TCP, Duration.ofMillis(20), TIMEOUT,
                    1, 1))));
            healthy.set(false);
            Event down = events.next(SLACK);
            assertNotNull(down);
            assertTrue(down.reason().startsWith("prober failed: java.lang.IllegalStateException: bug in a prober"),
                    down.reason());
            healthy.set(true);
            Event up = events.next(SLACK);
            assertNotNull(up, "still probing after the listener threw");
            assertTrue(up.up());
            assertEquals(2, heard.get());
        }
    }

    @Test
    void closeReturnsPromptlyThoughProbesAreHungAndKillsScripts() throws Exception {
        try (HungServer hung = new HungServer()) {
            HealthChecker checker = new HealthChecker(events);
            AdvisorConfig script = new AdvisorConfig(AdvisorType.SCRIPT, 0, "GET", "", "/", List.of(200), "",
                    List.of("/bin/sleep", "30"), Duration.ofMillis(20), TIMEOUT, Duration.ofSeconds(30), 1, 1);
            checker.start(List.of(
                    new Check(target(hung.port(), "hung"), advisor(AdvisorType.HTTP, Duration.ofMillis(20),
                            Duration.ofSeconds(30), 1, 1)),
                    new Check(target(9, "script"), script),
                    new Check(target(port(), "healthy"), advisor(AdvisorType.HTTP, Duration.ofMillis(20), TIMEOUT,
                            1, 1))));
            assertTrue(await(SLACK, () -> !hung.accepted.isEmpty()
                    && ProcessHandle.current().children().anyMatch(p -> p.info().command().orElse("")
                            .endsWith("sleep"))), "both probes under way");
            List<ProcessHandle> scripts = ProcessHandle.current().children().toList();

            long start = System.nanoTime();
            checker.close();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 1500, "close took " + millis + " ms");
            assertTrue(await(SLACK, () -> scripts.stream().noneMatch(ProcessHandle::isAlive)), "scripts killed");
            assertNull(events.next(Duration.ofMillis(100)), "nothing heard after close");
            assertThrows(IllegalStateException.class, () -> checker.replace(List.of()));
            checker.close();
        }
    }
}
