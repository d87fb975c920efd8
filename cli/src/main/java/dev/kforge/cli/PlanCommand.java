package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.plan.BuildPlan;
import dev.kforge.core.plan.Sharding;
import dev.kforge.core.plan.Skip;
import dev.kforge.core.plan.Step;
import dev.kforge.core.service.Planned;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "plan", description = "Print the build plan: steps, skipped cells and the plan hash.")
final class PlanCommand implements Callable<Integer> {

    enum Format {
        json,
        text,
        github_matrix,
        gitlab_child
    }

    @ParentCommand
    KforgeCommand root;

    @Mixin
    ManifestOption manifest;

    @Option(
            names = "--format",
            defaultValue = "json",
            converter = FormatConverter.class,
            description =
                    "json (canonical, stable), text, github-matrix (strategy.matrix via fromJSON) or gitlab-child "
                            + "(a child pipeline). Default: ${DEFAULT-VALUE}.")
    Format format;

    @Option(
            names = "--test",
            description = "Plan the tests too: a TEST step per built cell whose kernel can boot (as kforge test).")
    boolean test;

    @Option(
            names = "--shards",
            paramLabel = "N",
            description = "Shards for github-matrix/gitlab-child (default: about four cells each).")
    Integer shards;

    @Option(
            names = "--shard",
            paramLabel = "I/N",
            description = "Print only the steps shard I of N runs (with their dependencies).")
    String shard;

    static final class FormatConverter implements picocli.CommandLine.ITypeConverter<Format> {
        @Override
        public Format convert(String v) {
            try {
                return Format.valueOf(v.replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "expected json, text, github-matrix or gitlab-child, not '" + v + "'");
            }
        }
    }

    /** Combinations kforge cannot honour are usage errors, never silently ignored. */
    private void checkOptions() {
        boolean ci = format == Format.github_matrix || format == Format.gitlab_child;
        if (shard != null && ci) {
            throw KforgeException.userInput(
                    "--shard cannot be combined with --format " + format.name().replace('_', '-')
                            + " (that format already describes every shard)",
                    "use --shards N to choose the number of shards, or --format json|text with --shard I/N");
        }
        if (shards != null && !ci) {
            throw KforgeException.userInput(
                    "--shards applies to --format github-matrix or gitlab-child only",
                    "kforge plan --format github-matrix --shards N; for one shard's steps, --shard I/N");
        }
    }

    @Override
    public Integer call() {
        checkOptions();
        Planned planned = root.services().plans().plan(manifest.path(root.context), manifest.display(), test);
        PrintWriter out = root.out();
        BuildPlan plan = planned.plan();
        var only = PlanChecks.shard(shard, Map.of());
        if (only.isPresent()) {
            var ids = new HashSet<>(
                    Sharding.split(plan, only.get().total()).get(only.get().index() - 1));
            if (format == Format.json) {
                out.print(CanonicalJson.write(
                        plan.toTree(ids, only.get().index() + "/" + only.get().total())));
            } else {
                for (Step s : plan.steps()) {
                    if (ids.contains(s.id())) {
                        out.println(s.id());
                    }
                }
            }
            out.flush();
            return 0;
        }
        if (format == Format.github_matrix || format == Format.gitlab_child) {
            int max = format == Format.github_matrix ? CiPlans.GITHUB_MAX : CiPlans.GITLAB_MAX;
            int n = shards == null ? Sharding.defaultShards(plan, max) : shards;
            if (n < 1 || n > max) {
                throw KforgeException.userInput(
                        "--shards must be between 1 and " + max + " for "
                                + format.name().replace('_', '-'),
                        "the CI system caps jobs per matrix or pipeline at " + max);
            }
            out.print(
                    format == Format.github_matrix
                            ? CiPlans.githubMatrix(plan, n)
                            : CiPlans.gitlabChild(plan, n, manifest.display()));
        } else if (format == Format.json) {
            try {
                CanonicalJson.write(plan.toTree(), out); // streamed: a large plan is not built as one string
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
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
