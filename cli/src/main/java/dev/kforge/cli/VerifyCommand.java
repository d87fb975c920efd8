package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.service.PackageChoice;
import dev.kforge.core.service.Planned;
import dev.kforge.core.service.Verification;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
        name = "verify",
        description = "Build each cell twice (no cache, two directories, another time) and check the "
                + ".ko files are bit-identical; name the ELF sections that differ.")
final class VerifyCommand implements Callable<Integer> {

    @ParentCommand
    KforgeCommand root;

    @Mixin
    ManifestOption manifest;

    @Parameters(paramLabel = "CELL", arity = "0..*", description = "Cells to verify (default: all).")
    List<String> cells = List.of();

    @Override
    public Integer call() throws IOException {
        // A workspace that declares [package] ships packages: they are made twice and compared too.
        Planned planned = root.services()
                .plans()
                .plan(manifest.path(root.context), manifest.display(), false, PackageChoice.DECLARED, true);
        Path scratch = Files.createTempDirectory("kforge-verify");
        List<Verification> results;
        try {
            results = root.services()
                    .verifications()
                    .verify(planned, cells, Runtime.getRuntime().availableProcessors(), scratch);
        } finally {
            try (var s = Files.walk(scratch)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        PrintWriter out = root.out();
        int bad = 0;
        int packageFiles = 0;
        int badPackages = 0;
        for (Verification v : results) {
            boolean pkg = v.cell().startsWith("package-");
            if (pkg && v.problem().isEmpty()) {
                packageFiles++;
                badPackages += v.reproducible() ? 0 : 1;
            }
            if (!v.problem().isEmpty()) {
                out.printf("%-40s ERROR          %s%n", v.cell(), v.problem());
                bad++;
            } else if (v.reproducible()) {
                out.printf(
                        "%-40s reproducible   %s %s%n",
                        v.cell(), v.module(), v.sha256().get(0));
            } else {
                out.printf(
                        "%-40s DIFFERS        %s%s%n",
                        v.cell(),
                        v.module(),
                        v.differingSections().isEmpty()
                                ? " (" + String.join(" vs ", v.sha256()) + ")"
                                : ": sections " + String.join(", ", v.differingSections()));
                bad++;
            }
        }
        out.printf("%d module(s) checked, %d not reproducible%n", results.size() - packageFiles, bad - badPackages);
        if (packageFiles > 0) {
            out.printf("%d package file(s) checked, %d not reproducible%n", packageFiles, badPackages);
        }
        out.flush();
        if (results.isEmpty()) {
            // A check that looked at nothing must not pass.
            root.err().println("kforge: error: no module was built, so nothing was verified");
            root.err().println("  hint: kforge plan --format text lists the cells; skipped cells have no module");
            root.err().flush();
            return KforgeException.Kind.BUILD.exitCode();
        }
        return bad == 0 ? 0 : KforgeException.Kind.BUILD.exitCode();
    }
}
