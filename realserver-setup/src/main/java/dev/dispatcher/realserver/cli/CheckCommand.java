package dev.dispatcher.realserver.cli;

import dev.dispatcher.realserver.check.Checker;
import dev.dispatcher.realserver.check.Problem;
import dev.dispatcher.realserver.json.Json;
import dev.dispatcher.realserver.kernel.Ipv4Address;
import dev.dispatcher.realserver.kernel.KernelState;
import dev.dispatcher.realserver.kernel.KernelStateReader;
import dev.dispatcher.realserver.plan.HiddenArpSettings;
import dev.dispatcher.realserver.state.StateStore;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "check", mixinStandardHelpOptions = true,
        description = {
            "Reads the kernel state back and judges it as the kernel's ARP code will: exit 0 when the host is correct,"
                    + " 1 otherwise, with one line per problem naming the interface and the effective value.",
            "Without --vip, checks the VIPs recorded by apply. Needs no root."
        })
final class CheckCommand implements Callable<Integer> {
    private final Environment env;

    @Spec
    CommandSpec spec;

    @Mixin
    VipOptions options = new VipOptions();

    @Option(names = "--json", description = "Print one JSON object (ok, vips, problems, interfaces) for machines.")
    boolean json;

    CheckCommand(Environment env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        List<Ipv4Address> vips = Commands.vipsOrRecorded(spec, options, new StateStore(options.stateDir).load(),
                "check");
        KernelState kernel = new KernelStateReader(env.procSys(), env.ip()).read(HiddenArpSettings.keys());
        List<Problem> problems = Checker.check(kernel, vips);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.writeCompact(report(kernel, vips, problems)));
        } else if (problems.isEmpty()) {
            out.println(Output.okLine(kernel, vips));
        } else {
            problems.forEach(p -> out.println(p.message()));
        }
        return problems.isEmpty() ? 0 : 1;
    }

    private static Map<String, Object> report(KernelState kernel, List<Ipv4Address> vips, List<Problem> problems) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("ok", problems.isEmpty());
        json.put("vips", vips.stream().map(Ipv4Address::toString).toList());
        json.put("problems", problems.stream().map(Problem::toJson).toList());
        List<Object> interfaces = new ArrayList<>();
        for (String iface : kernel.interfaces()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", iface);
            for (String name : KernelState.CONF_NAMES) {
                Map<String, Object> values = new LinkedHashMap<>();
                values.put("effective", kernel.effective(iface, name));
                values.put("all", kernel.conf("all", name));
                values.put("interface", kernel.conf(iface, name));
                entry.put(name, values);
            }
            interfaces.add(entry);
        }
        json.put("interfaces", interfaces);
        return json;
    }
}
