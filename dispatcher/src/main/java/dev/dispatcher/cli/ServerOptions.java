package dev.dispatcher.cli;

import dev.dispatcher.control.api.ServerRef;
import picocli.CommandLine.Option;

/** Which real server of which service a server command acts on. */
final class ServerOptions {
    @Option(names = "--vip", required = true, paramLabel = "IP:PORT", converter = Converters.Ipv4Port.class,
            description = "The service's VIP and port, e.g. 198.18.0.100:80.")
    Converters.HostPort vip;

    @Option(names = "--protocol", defaultValue = "tcp", paramLabel = "PROTOCOL", converter = Converters.Protocol.class,
            completionCandidates = Converters.Protocols.class,
            description = "The service's protocol: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    String protocol;

    @Option(names = "--server", required = true, paramLabel = "IP", converter = Converters.Ipv4Address.class,
            description = "The real server's IPv4 address, e.g. 198.18.0.11.")
    String server;

    /** The converters have checked each part already. */
    ServerRef ref() {
        return ServerRef.of(vip.host(), vip.port(), protocol, server);
    }
}
