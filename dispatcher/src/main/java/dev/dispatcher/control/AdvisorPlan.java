package dev.dispatcher.control;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.Ipv4;
import dev.dispatcher.config.PortConfig;
import dev.dispatcher.config.ServerConfig;
import dev.dispatcher.control.api.ServerRef;
import dev.dispatcher.control.api.ServiceKey;
import dev.dispatcher.health.HealthChecker;
import dev.dispatcher.health.ProbeTarget;
import java.util.ArrayList;
import java.util.List;

/** Which advisor probes which server: one check per (service, server) of every port with an advisor. */
final class AdvisorPlan {
    private AdvisorPlan() {
    }

    /** The advisors' name for a pair: unique per checker, and what their logs and threads show. */
    static String key(ServerRef pair) {
        return pair.service() + " " + Ipv4.format(pair.server());
    }

    static List<HealthChecker.Check> checks(DispatcherConfig config) {
        List<HealthChecker.Check> checks = new ArrayList<>();
        for (ClusterConfig cluster : config.clusters()) {
            for (PortConfig port : cluster.ports()) {
                if (port.advisor().isEmpty()) {
                    continue;
                }
                var advisor = port.advisor().get();
                ServiceKey service = ControlState.service(cluster, port);
                for (ServerConfig server : port.servers()) {
                    ProbeTarget target = new ProbeTarget(server.address(), ProbeTarget.probePort(advisor, port.port()),
                            cluster.address(), key(new ServerRef(service, server.address())));
                    checks.add(new HealthChecker.Check(target, advisor));
                }
            }
        }
        return checks;
    }
}
