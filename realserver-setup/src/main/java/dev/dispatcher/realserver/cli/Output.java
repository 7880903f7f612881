package dev.dispatcher.realserver.cli;

import dev.dispatcher.realserver.check.Problem;
import dev.dispatcher.realserver.kernel.Ipv4Address;
import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.plan.Change;
import dev.dispatcher.realserver.plan.Plan;
import java.io.PrintWriter;
import java.util.List;

/** The text the commands print, in one place so plan, apply and remove read alike. */
final class Output {
    private Output() {}

    static String vipList(List<Ipv4Address> vips) {
        return String.join(", ", vips.stream().map(Ipv4Address::toString).toList());
    }

    static void changes(PrintWriter out, List<Change> changes) {
        int n = 1;
        for (Change change : changes) {
            out.println("  " + n++ + ". " + change.describe());
            out.println("     why: " + change.why());
        }
    }

    static void notes(PrintWriter out, Plan plan) {
        if (!plan.notes().isEmpty()) {
            out.println("Unchanged:");
            plan.notes().forEach(note -> out.println("  " + note));
        }
    }

    static void remaining(PrintWriter out, String heading, List<Problem> problems) {
        if (!problems.isEmpty()) {
            out.println(heading);
            problems.forEach(p -> out.println("  " + p.message()));
        }
    }

    /** The summary line of a passing check: each interface and the effective values that hide the VIPs. */
    static String okLine(KernelState kernel, List<Ipv4Address> vips) {
        StringBuilder line = new StringBuilder("ok: " + vipList(vips) + " on lo as /32 scope host; ");
        if (kernel.interfaces().isEmpty()) {
            return line.append("no network interfaces").toString();
        }
        line.append("hidden on ");
        List<String> parts = kernel.interfaces().stream()
                .map(i -> i + " (arp_ignore " + kernel.effective(i, "arp_ignore") + ", arp_announce "
                        + kernel.effective(i, "arp_announce") + ")")
                .toList();
        return line.append(String.join(", ", parts)).toString();
    }

    static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }
}
