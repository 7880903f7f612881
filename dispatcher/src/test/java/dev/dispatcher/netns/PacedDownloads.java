package dev.dispatcher.netns;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Long downloads through the lab's VIP, paced by the real servers (LabServer's {@code /big?mib=&kibps=}),
 * each checked against the SHA-256 the servers compute from their own generator: what the restart and
 * failover tests run across the event they test.
 */
final class PacedDownloads {
    /** One download: its curl | sha256sum pipeline in the client namespace, and when it began. */
    record Download(Process process, long startedNanos) {
        /** What it printed so far, for a message. */
        String output() {
            try {
                return new String(process.getInputStream().readAllBytes());
            } catch (IOException e) {
                return e.toString();
            }
        }
    }

    private final LabFixture lab;
    private final int count;
    private final int mib;
    private final int kibps;

    PacedDownloads(LabFixture lab, int count, int mib, int kibps) {
        this.lab = lab;
        this.count = count;
        this.mib = mib;
        this.kibps = kibps;
    }

    /** The digest every download must end with. */
    String expectedSha256() {
        Shell.Result r = lab.inClient(30, "curl -s --max-time 20 'http://" + LabFixture.VIP + "/big.sha256?mib="
                + mib + "'");
        assertTrue(r.ok() && r.output().strip().matches("[0-9a-f]{64}"), r.output());
        return r.output().strip();
    }

    List<Download> start() throws IOException {
        List<Download> downloads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            // Paced by the server: curl 7.88's --limit-rate let whole downloads through in a second.
            Process p = new ProcessBuilder("ip", "netns", "exec", lab.client(), "bash", "-c",
                    "set -o pipefail; curl -sS --max-time 150 'http://" + LabFixture.VIP + "/big?mib=" + mib
                            + "&kibps=" + kibps + "' | sha256sum | cut -d' ' -f1")
                    .redirectErrorStream(true).start();
            downloads.add(new Download(p, System.nanoTime()));
        }
        return downloads;
    }

    /**
     * Waits for every download; returns how many ended with the right digest, appends what went
     * wrong and how long they took to {@code report}, and checks that each lasted at least 10 s.
     */
    static int finish(List<Download> downloads, String expected, StringBuilder report) throws InterruptedException {
        int good = 0;
        long shortest = Long.MAX_VALUE;
        long longest = 0;
        for (Download d : downloads) {
            boolean ended = d.process().waitFor(170, TimeUnit.SECONDS);
            long took = System.nanoTime() - d.startedNanos();
            if (!ended) {
                d.process().destroyForcibly();
                report.append("a download did not end in 170 s\n");
                continue;
            }
            String out = d.output().strip();
            if (d.process().exitValue() == 0 && out.equals(expected)) {
                good++;
            } else {
                report.append("exit ").append(d.process().exitValue()).append(": ").append(out).append('\n');
            }
            shortest = Math.min(shortest, took);
            longest = Math.max(longest, took);
        }
        report.append(String.format("downloads took %.1f to %.1f s%n", shortest / 1e9, longest / 1e9));
        assertTrue(shortest >= 10_000_000_000L, "every download lasts at least 10 s: " + report);
        return good;
    }
}
