package dev.dispatcher.realserver.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Prints every change apply would make and why (sysctl: "
                + "current -> new value; each ip addr change);"
                + " changes nothing and needs no root. The same as apply --dry-run.")
final class PlanCommand implements Callable<Integer> {
    private final Environment env;

    @Spec
    CommandSpec spec;

    @Mixin
    ApplyOptions options = new ApplyOptions();

    PlanCommand(Environment env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        Commands.requireVips(spec, options.common.vips, "plan");
        return new ApplyRun(env).run(options, true, spec.commandLine().getOut());
    }
}
