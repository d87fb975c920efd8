package dev.kforge.cli;

import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.Skip;
import dev.kforge.core.plan.Step;
import dev.kforge.core.service.Planned;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "plan", description = "Print the build plan: steps, skipped cells and the plan hash.")
final class PlanCommand implements Callable<Integer> {

    enum Format { json, text }

    @ParentCommand
    KforgeCommand root;

    @Mixin
    ManifestOption manifest;

    @Option(names = "--format", defaultValue = "json", description = "json (canonical, stable) or text. Default: ${DEFAULT-VALUE}.")
    Format format;

    @Override
    public Integer call() {
        Planned planned = root.service().plan(manifest.path(root.context), manifest.display());
        PrintWriter out = root.out();
        BuildPlan plan = planned.plan();
        if (format == Format.json) {
            out.print(CanonicalJson.write(plan.toTree()));
        } else {
            out.println("plan " + plan.planHash().hex());
            for (Step s : plan.steps()) {
                out.println(s.id() + (s.deps().isEmpty() ? "" : "  <- " + String.join(", ", s.deps())));
            }
            for (Skip s : plan.skipped()) {
                out.println("skip " + s.cell().id() + ": " + s.reason());
            }
        }
        out.flush();
        return 0;
    }
}
