package dev.kforge.core.report;

import dev.kforge.core.digest.DigestMemo;
import dev.kforge.core.json.CanonicalJson;
import dev.kforge.core.plan.BuildPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/** SHA256SUMS and provenance.json (an in-toto statement with a SLSA provenance predicate). */
final class ProvenanceJson {

    private ProvenanceJson() {}

    /**
     * {@code sha256  path} lines for every .ko in the cells' directories and every package file (both
     * relative to {@code out}), sorted by path.
     */
    public static String sha256sums(Path out, List<String> cellDirs, List<String> packageFiles, DigestMemo memo)
            throws IOException {
        List<String> lines = new ArrayList<>();
        for (String f : packageFiles) {
            Path p = out.resolve(f);
            if (Files.isRegularFile(p)) {
                lines.add(memo.of(p).hex() + "  " + f);
            }
        }
        for (String dir : cellDirs) {
            Path d = out.resolve(dir);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                for (Path ko : s.filter(p -> p.getFileName().toString().endsWith(".ko"))
                        .sorted()
                        .toList()) {
                    lines.add(memo.of(ko).hex() + "  "
                            + out.relativize(ko).toString().replace('\\', '/'));
                }
            }
        }
        lines.sort(Comparator.comparing((String l) -> l.substring(66)));
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }

    /**
     * An in-toto Statement (v1) with a SLSA provenance (v1) predicate whose subjects are the
     * modules listed in {@code sha256sums} (the SHA256SUMS text); the build definition names the plan, the
     * kernels and the tools it was made with.
     *
     * @param out where the cells' metadata.json are: a signed module's subject is annotated with its
     *     unsigned sha256 (what kforge verify compares) and the certificate that signed it
     */
    public static String provenance(String sha256sums, BuildPlan plan, String manifest, Optional<Path> out)
            throws IOException {
        List<Object> subjects = new ArrayList<>();
        for (String line : sha256sums.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            Map<String, Object> s = new LinkedHashMap<>();
            String name = line.substring(66);
            s.put("name", name);
            s.put("digest", Map.of("sha256", line.substring(0, 64)));
            if (out.isPresent()) {
                signature(out.get(), name).ifPresent(a -> s.put("annotations", a));
            }
            subjects.add(s);
        }
        List<Object> deps = new ArrayList<>();
        plan.kernels().forEach((name, k) -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("name", "kernel:" + name);
            d.put("digest", Map.of("sha256", k.get("identity")));
            d.put("annotations", k);
            deps.add(d);
        });
        plan.tools().forEach((name, version) -> {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("name", "tool:" + name);
            d.put("annotations", Map.of("version", version));
            deps.add(d);
        });
        Map<String, Object> external = new LinkedHashMap<>();
        external.put("manifest", manifest);
        external.put("planHash", plan.planHash().hex());
        Map<String, Object> definition = new LinkedHashMap<>();
        definition.put("buildType", "https://kforge.dev/provenance/build/v1");
        definition.put("externalParameters", external);
        definition.put("resolvedDependencies", deps);
        Map<String, Object> predicate = new LinkedHashMap<>();
        predicate.put("buildDefinition", definition);
        predicate.put("runDetails", Map.of("builder", Map.of("id", "https://kforge.dev/kforge")));
        Map<String, Object> statement = new LinkedHashMap<>();
        statement.put("_type", "https://in-toto.io/Statement/v1");
        statement.put("subject", subjects);
        statement.put("predicateType", "https://slsa.dev/provenance/v1");
        statement.put("predicate", predicate);
        return CanonicalJson.write(statement);
    }

    /** What a module's metadata.json says of its compilers and (when signed) its signature, for its provenance subject. */
    private static Optional<Map<String, Object>> signature(Path out, String module) throws IOException {
        Path ko = out.resolve(module);
        Path meta = ko.resolveSibling("metadata.json");
        if (!Files.isRegularFile(meta)) {
            return Optional.empty();
        }
        Map<?, ?> m = (Map<?, ?>) CanonicalJson.read(Files.readString(meta));
        if (!(m.get("modules") instanceof Map<?, ?> modules)) {
            return Optional.empty();
        }
        for (Map.Entry<?, ?> e : modules.entrySet()) {
            if (Path.of(String.valueOf(e.getKey()))
                            .getFileName()
                            .toString()
                            .equals(ko.getFileName().toString())
                    && e.getValue() instanceof Map<?, ?> facts) {
                Map<String, Object> a = new TreeMap<>();
                // The compiler that built the module and the one that built its kernel.
                if (facts.get("compiler") != null) {
                    a.put("compiler", facts.get("compiler"));
                }
                if (m.get("kernelCompiler") != null) {
                    a.put("kernelCompiler", m.get("kernelCompiler"));
                }
                if (m.get("signing") instanceof Map<?, ?> signing && facts.get("unsignedSha256") != null) {
                    a.put("unsignedSha256", facts.get("unsignedSha256"));
                    a.put("certificateSha256", signing.get("certificateSha256"));
                    a.put("signer", signing.get("signer"));
                    a.put("signatureHash", signing.get("hash"));
                }
                return a.isEmpty() ? Optional.empty() : Optional.of(a);
            }
        }
        return Optional.empty();
    }
}
