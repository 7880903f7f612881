package dev.dispatcher.control;

import dev.dispatcher.config.ClusterConfig;
import dev.dispatcher.config.DispatcherConfig;
import dev.dispatcher.config.PortConfig;
import dev.dispatcher.config.ServerConfig;
import dev.dispatcher.health.HealthChecker;
import dev.dispatcher.health.ProbeTarget;
import java.util.ArrayList;
import java.util.List;

/** Which advisor probes which server: one check per (service, server) of every port with an advisor. */
final class AdvisorPlan {
    private AdvisorPlan() {
    }

    static List<HealthChecker.Check> checks(DispatcherConfig config) {
        List<HealthChecker.Check> checks = new ArrayList<>();
        for (ClusterConfig cluster : config.clusters()) {
            for (PortConfig port : cluster.ports()) {
                if (port.advisor().isEmpty()) {
                    continue;
                }
                var advisor = port.advisor().get();
                ServiceKey service = new ServiceKey(cluster.address(), port.port(), port.protocol());
                for (ServerConfig server : port.servers()) {
                    ProbeTarget target = new ProbeTarget(server.address(), ProbeTarget.probePort(advisor, port.port()),
                            cluster.address(), service.targetKey(server.address()));
                    checks.add(new HealthChecker.Check(target, advisor));
                }
            }
        }
        return checks;
    }
}
