package dev.kforge.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "completion",
        description = {
            "Print a shell completion script (bash; zsh through bashcompinit).",
            "  bash: source <(kforge completion)",
            "  zsh:  autoload -U +X bashcompinit && bashcompinit && source <(kforge completion zsh)"
        })
final class CompletionCommand implements Callable<Integer> {

    enum Shell {
        bash,
        zsh
    }

    @ParentCommand
    KforgeCommand root;

    @Parameters(
            arity = "0..1",
            defaultValue = "bash",
            paramLabel = "SHELL",
            description = "bash or zsh (default: bash)")
    Shell shell;

    @Override
    public Integer call() {
        String script = AutoComplete.bash("kforge", root.spec.commandLine());
        root.out().print(script);
        root.out().flush();
        return 0;
    }
}
