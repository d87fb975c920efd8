package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.model.Cell;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.Language;
import dev.kforge.core.model.Workspace;
import dev.kforge.core.plan.PlanRoot;
import dev.kforge.core.plan.Skip;
import dev.kforge.core.plan.Step;
import dev.kforge.core.service.Planned;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * {@code kforge doctor}'s section on Rust drivers for distribution kernels: per kernel (each line,
 * expanded) and architecture a Rust driver targets, whether Rust drivers can target it, and if
 * not why, as planning decides it (the kernel is built without Rust, the archive has no source of
 * its version, no rustc in its root has the kernel's version text).
 */
final class DistroRustDoctor {

    private DistroRustDoctor() {}

    /** Whether the manifest names a distribution kernel (the section is printed only then). */
    static boolean applies(Workspace ws) {
        return ws.kernels().stream().anyMatch(k -> k.kind() == KernelSource.Kind.DISTRO);
    }

    /** Prints the section; the number of kernels whose Rust drivers are refused for a reason the user can fix. */
    static int print(PrintWriter out, Supplier<Planned> plan) {
        out.println("rust on distribution kernels");
        Planned planned;
        try {
            planned = plan.get();
        } catch (KforgeException e) {
            out.printf("  FAIL  %s%n        fix: %s%n", e.getMessage(), e.hint());
            return 1;
        }
        Workspace ws = planned.workspace();
        SortedMap<String, String> verdicts = new TreeMap<>();
        SortedMap<String, Boolean> fixable = new TreeMap<>();
        for (Skip s : planned.plan().skipped()) {
            if (rustOnDistro(ws, s.cell())) {
                String key =
                        s.cell().target().kernel() + " " + s.cell().target().arch();
                verdicts.putIfAbsent(key, "no: " + s.reason());
                fixable.putIfAbsent(key, !s.reason().contains("built without Rust"));
            }
        }
        for (Map.Entry<String, Cell> e : planned.plan().cells().entrySet()) {
            Cell c = e.getValue();
            if (!rustOnDistro(ws, c)) {
                continue;
            }
            String key = c.target().kernel() + " " + c.target().arch();
            Optional<Step> tree = planned.plan().steps().stream()
                    .filter(st -> st.id().equals(e.getKey()))
                    .flatMap(st -> st.deps().stream())
                    .flatMap(dep ->
                            planned.plan().steps().stream().filter(st -> st.id().equals(dep)))
                    .filter(st -> st.attributes().containsKey("distroHeaders"))
                    .findFirst();
            tree.ifPresent(t -> verdicts.put(
                    key,
                    "yes: a Rust tree from " + source(planned, c.target().kernel())
                            + " with the kernel's .config, in "
                            + Optional.ofNullable(t.attributes().get("root"))
                                    .map(r -> "toolchain root " + r.substring(r.indexOf('+') + 1))
                                    .orElse("this machine")
                            + ", checked against its Module.symvers before first use"));
        }
        // The distribution kernels no Rust driver of the manifest targets: what their trees say.
        for (Map.Entry<String, Map<String, String>> k : planned.plan().kernels().entrySet()) {
            int plus = k.getKey().lastIndexOf('+');
            if (plus < 0
                    || k.getKey().startsWith("root+")
                    || k.getKey().startsWith("guest+")
                    || k.getKey().endsWith(".image")) {
                continue;
            }
            String kernel = k.getKey().substring(0, plus);
            String arch = k.getKey().substring(plus + 1);
            if (Catalog.builtIn().arch(arch).isEmpty()
                    || ws.kernel(kernel).map(KernelSource::kind).orElse(null) != KernelSource.Kind.DISTRO) {
                continue;
            }
            String key = kernel + " " + arch;
            String rustc = k.getValue().get("rustc");
            verdicts.putIfAbsent(
                    key,
                    rustc == null
                            ? "no: built without Rust (CONFIG_RUST unset)"
                            : "built with Rust (" + rustc + "); no Rust driver targets it here, so its source and "
                                    + "rustc were not looked for");
        }
        if (verdicts.isEmpty()) {
            out.println("  --    no distribution kernel in the plan");
            return 0;
        }
        int problems = 0;
        for (var v : verdicts.entrySet()) {
            boolean yes = v.getValue().startsWith("yes");
            boolean problem = !yes && fixable.getOrDefault(v.getKey(), false);
            out.printf("  %-5s %-44s %s%n", yes ? "ok" : problem ? "FAIL" : "--", v.getKey(), v.getValue());
            problems += problem ? 1 : 0;
        }
        return problems;
    }

    private static boolean rustOnDistro(Workspace ws, Cell c) {
        return ws.kernel(c.target().kernel()).map(KernelSource::kind).orElse(null) == KernelSource.Kind.DISTRO
                && ws.drivers().stream().anyMatch(d -> d.name().equals(c.driver()) && d.language() == Language.RUST);
    }

    private static String source(Planned planned, String kernel) {
        Map<String, String> k =
                planned.plan().kernels().get(PlanRoot.distroSource(kernel).key());
        return k == null ? "the distribution's source" : k.getOrDefault("package", "the distribution's source");
    }
}
