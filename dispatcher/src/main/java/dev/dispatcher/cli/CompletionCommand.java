package dev.dispatcher.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash completion script for every command and option.",
            "Use: source <(java -jar dispatcher.jar completion), or save it under /etc/bash_completion.d/dispatcher."})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(AutoComplete.bash("dispatcher", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
