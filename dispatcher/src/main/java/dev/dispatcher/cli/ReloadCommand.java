package dev.dispatcher.cli;

import dev.dispatcher.admin.AdminClient;
import dev.dispatcher.admin.AdminClientException;
import dev.dispatcher.control.api.ReloadResult;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "reload", mixinStandardHelpOptions = true,
        description = {"Re-read the dispatcher's configuration file and apply it when it is valid.",
            "Prints what changed (exit 0), or every error when it was refused (exit 1: "
                    + "the running configuration stays)."})
final class ReloadCommand extends AdminCommand {
    @Override
    boolean changes() {
        return true;
    }

    @Override
    int run(AdminClient client, PrintWriter out, PrintWriter err) throws AdminClientException {
        ReloadResult result = client.reload();
        List<String> warnings = orEmpty(result.warnings());
        if (!result.applied()) {
            List<String> errors = orEmpty(result.errors());
            errors.forEach(err::println);
            warnings.forEach(w -> err.println("warning: " + w));
            err.println("reload refused: " + errors.size() + " error(s); the running configuration is unchanged");
            return DispatcherMain.EXIT_FAILURE;
        }
        List<String> changes = orEmpty(result.changes());
        out.println(changes.isEmpty() ? "reload applied: no changes"
                : "reload applied: " + changes.size() + " change(s)");
        changes.forEach(c -> out.println("  " + c));
        out.flush();
        warnings.forEach(w -> err.println("warning: " + w));
        return 0;
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }
}
