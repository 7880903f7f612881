package dev.dispatcher.netns;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;

/**
 * Network-namespace tests need root and `ip netns`. Outside CI they are skipped when that is
 * missing; under CI=true they fail, so a CI machine that cannot run them is never green by accident.
 */
final class NetnsPreconditions {
    private NetnsPreconditions() {
    }

    static void require() {
        String problem = null;
        Shell.Result id = Shell.run(5, Map.of(), List.of("id", "-u"));
        if (!id.ok() || !id.output().strip().equals("0")) {
            problem = "not root (network namespaces need root)";
        } else {
            for (String tool : List.of("ip", "ethtool", "arping", "curl", "sha256sum")) {
                if (!Shell.sh(5, Map.of(), "command -v " + tool).ok()) {
                    problem = "missing tool: " + tool;
                    break;
                }
            }
            if (problem == null) {
                Shell.Result probe = Shell.sh(10, Map.of(),
                        "ip netns add dispatcher-probe && ip netns del dispatcher-probe");
                if (!probe.ok()) {
                    problem = "cannot create network namespaces: " + probe.output().strip();
                }
            }
        }
        if (problem != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("CI=true but the netns system tests cannot run: " + problem);
            }
            assumeTrue(false, "skipped: " + problem);
        }
    }
}
