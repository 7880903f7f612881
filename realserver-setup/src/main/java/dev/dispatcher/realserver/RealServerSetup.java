package dev.dispatcher.realserver;

import dev.dispatcher.realserver.cli.Cli;
import dev.dispatcher.realserver.cli.Environment;

/**
 * {@code java -jar realserver-setup.jar COMMAND --vip A [--vip B ...] [options]}: sets up, checks
 * and rolls back hidden ARP on a real server behind a direct-server-return (MAC forwarding)
 * load balancer.
 */
public final class RealServerSetup {
    private RealServerSetup() {}

    public static void main(String[] args) {
        System.exit(Cli.run(Environment.live(), args));
    }
}
