package dev.kforge.kbuild;

import dev.kforge.core.exec.StepResult;
import dev.kforge.core.fs.FileTrees;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Publishes a cell: its modules, build log and metadata.json staged beside out/ and renamed in whole. */
final class CellPublisher {

    private CellPublisher() {}

    /** Writes the cell's output directory next to its final place, then swaps it in by rename. */
    static void publish(
            Step step,
            Path outDir,
            List<Path> modules,
            Path log,
            StepResult r,
            Map<String, Object> extra,
            Map<String, String> tools)
            throws IOException {
        Path tmp = FileTrees.stagingFor(outDir);
        try {
            for (Path ko : modules) {
                Files.copy(ko, tmp.resolve(ko.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
            if (Files.exists(log)) {
                Files.copy(log, tmp.resolve("build.log"));
            }
            Map<String, Object> meta = new TreeMap<>(extra);
            meta.put("cell", step.id().substring("build/".length()));
            meta.put("step", step.id());
            meta.put("status", r.status().key());
            meta.put("kernel", step.attribute("kernel"));
            meta.put("arch", step.attribute("arch"));
            meta.put("toolchain", step.attribute("toolchain"));
            meta.put("language", step.attribute("language"));
            if (step.attributes().containsKey("kernelPackages")) {
                meta.put(
                        "kernelPackages",
                        List.of(step.attribute("kernelPackages").split(",")));
            }
            meta.put("argv", step.commands());
            meta.put("env", step.env());
            meta.put("tools", tools);
            meta.put("durationMs", r.duration().toMillis());
            meta.put("message", r.message());
            Files.writeString(tmp.resolve("metadata.json"), CanonicalJson.write(meta));
            FileTrees.swapIn(tmp, outDir);
            tmp = null;
        } finally {
            if (tmp != null) {
                FileTrees.deleteRecursively(tmp);
            }
        }
    }
}
