package dev.dispatcher.realserver.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "apply", mixinStandardHelpOptions = true,
        description = {
            "Sets up hidden ARP: conf/all arp_ignore (3, or 1) and arp_announce 2, icmp_echo_ignore_broadcasts 1,"
                    + " conf/all rp_filter 1, and each VIP as /32 scope host on lo (labels lo:1, lo:2, ...).",
            "Idempotent; records the values it replaced so that remove restores them; rolls back if a step fails."
        })
final class ApplyCommand implements Callable<Integer> {
    private final Environment env;

    @Spec
    CommandSpec spec;

    @Mixin
    ApplyOptions options = new ApplyOptions();

    @Option(names = "--dry-run", description = "Print the plan and change nothing (the same as the plan command).")
    boolean dryRun;

    ApplyCommand(Environment env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        Commands.requireVips(spec, options.common.vips, "apply");
        return new ApplyRun(env).run(options, dryRun, spec.commandLine().getOut());
    }
}
