package dev.dispatcher.realserver.plan;

import static dev.dispatcher.realserver.Hosts.VIP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dispatcher.realserver.Hosts;
import dev.dispatcher.realserver.kernel.InterfaceAddress;
import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.kernel.SetupException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExecutorTest {

    /** A host kept as a KernelState that refuses chosen changes, so rollback is seen in its result. */
    private static final class FakeHost implements HostOperations {
        KernelState kernel = Hosts.defaults();
        final List<String> log = new ArrayList<>();
        String failOn = "";
        String failUndoOn = "";

        @Override
        public void perform(Change change) {
            String d = change.describe();
            boolean undo = change.why().startsWith("roll back");
            if ((!undo && !failOn.isEmpty() && d.contains(failOn))
                    || (undo && !failUndoOn.isEmpty() && d.contains(failUndoOn))) {
                throw new SetupException("injected failure of " + d);
            }
            log.add(d);
            kernel = change.simulate(kernel);
        }
    }

    private static Plan plan() {
        return ApplyPlanner.plan(new ApplyRequest(List.of(VIP, Hosts.VIP2), 3, false, null, null), Hosts.defaults(),
                Optional.empty(), java.nio.file.Path.of("ip"), p -> FileContent.ABSENT);
    }

    @Test
    void runsEveryChangeInOrder() {
        FakeHost host = new FakeHost();
        List<Change> done = new Executor(host).execute(plan().changes(), c -> { });
        assertEquals(5, done.size());
        assertEquals(plan().simulate(Hosts.defaults()), host.kernel);
    }

    @Test
    void aFailureHalfWayRollsBackWhatWasDoneNewestFirst() {
        FakeHost host = new FakeHost();
        host.failOn = "198.18.1.101";
        List<String> reported = new ArrayList<>();
        Executor.ApplyFailed ex = assertThrows(Executor.ApplyFailed.class,
                () -> new Executor(host).execute(plan().changes(), c -> reported.add(c.describe())));
        assertEquals(Hosts.defaults(), host.kernel, "the host is as it was");
        assertEquals(4, reported.size());
        assertEquals(List.of(
                "ip -4 addr del 198.18.1.100/32 dev lo scope host label lo:1",
                "sysctl net.ipv4.conf.all.rp_filter: 1 -> 0",
                "sysctl net.ipv4.conf.all.arp_announce: 2 -> 0",
                "sysctl net.ipv4.conf.all.arp_ignore: 3 -> 0"), host.log.subList(4, 8));
        assertTrue(ex.getMessage().startsWith("step 5 of 5: injected failure of ip -4 addr add 198.18.1.101/32"),
                ex.getMessage());
        assertTrue(ex.getMessage().endsWith("rolled back the 4 changes made before it"), ex.getMessage());
        assertTrue(ex.rollbackFailures().isEmpty());
    }

    @Test
    void aFailedUndoIsReportedAndTheRestStillUndone() {
        FakeHost host = new FakeHost();
        host.failOn = "198.18.1.101";
        host.failUndoOn = "arp_announce";
        Executor.ApplyFailed ex = assertThrows(Executor.ApplyFailed.class,
                () -> new Executor(host).execute(plan().changes(), c -> { }));
        assertEquals(1, ex.rollbackFailures().size());
        assertTrue(ex.getMessage().contains("ROLLBACK INCOMPLETE"), ex.getMessage());
        assertEquals("0", host.kernel.sysctl("net/ipv4/conf/all/arp_ignore"), "undo went on past the failure");
        assertEquals("2", host.kernel.sysctl("net/ipv4/conf/all/arp_announce"));
        assertTrue(host.kernel.find(VIP).isEmpty());
        assertEquals(List.of(),
                host.kernel.on("lo").stream().filter(a -> !a.equals(Hosts.defaults().on("lo").getFirst()))
                .map(InterfaceAddress::toString).toList());
    }

    @Test
    void aFailureAtTheFirstStepChangesNothing() {
        FakeHost host = new FakeHost();
        host.failOn = "arp_ignore";
        Executor.ApplyFailed ex = assertThrows(Executor.ApplyFailed.class,
                () -> new Executor(host).execute(plan().changes(), c -> { }));
        assertTrue(ex.getMessage().endsWith("nothing had been changed before it"), ex.getMessage());
        assertEquals(List.of(), host.log);
    }
}
