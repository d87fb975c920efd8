package dev.kforge.core.cache;

import dev.kforge.core.exec.Artifacts;
import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.json.CanonicalJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A successful step's result as a cache entry stores it (canonical JSON), and back. The log path
 * is left out: it names the machine that ran the step.
 */
final class ResultCodec {

    private ResultCodec() {}

    static String write(StepResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", r.status().key());
        m.put("message", r.message());
        List<Object> ds = new ArrayList<>();
        for (Diagnostic d : r.diagnostics()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("severity", d.severity().key());
            e.put("file", d.file());
            e.put("line", d.line());
            e.put("column", d.column());
            e.put("message", d.message());
            if (!d.notes().isEmpty()) {
                e.put("notes", d.notes());
            }
            ds.add(e);
        }
        m.put("diagnostics", ds);
        Map<String, String> details = new TreeMap<>(r.details());
        details.remove("log");
        m.put("details", details);
        Map<String, Object> a = new LinkedHashMap<>();
        r.artifacts().symbolsChecked().ifPresent(c -> a.put("symbolsChecked", c));
        r.artifacts().signer().ifPresent(s -> a.put("signer", s));
        a.put("kernelMessages", r.artifacts().kernelMessages());
        if (!r.artifacts().files().isEmpty()) {
            a.put("files", r.artifacts().files());
        }
        m.put("artifacts", a);
        return CanonicalJson.write(m);
    }

    /** The stored result as {@code id}'s, BUILT; {@link IllegalArgumentException} or a cast error when it is not one. */
    static StepResult read(String id, String json) {
        Map<?, ?> m = (Map<?, ?>) CanonicalJson.read(json);
        List<Diagnostic> ds = new ArrayList<>();
        for (Object o : (List<?>) m.get("diagnostics")) {
            Map<?, ?> d = (Map<?, ?>) o;
            ds.add(new Diagnostic(
                    Diagnostic.Severity.valueOf(((String) d.get("severity")).toUpperCase(Locale.ROOT)),
                    (String) d.get("file"),
                    ((Number) d.get("line")).intValue(),
                    ((Number) d.get("column")).intValue(),
                    (String) d.get("message"),
                    d.get("notes") instanceof List<?> n
                            ? n.stream().map(String::valueOf).toList()
                            : List.of()));
        }
        SortedMap<String, String> details = new TreeMap<>();
        ((Map<?, ?>) m.get("details")).forEach((k, v) -> details.put((String) k, (String) v));
        Map<?, ?> a = (Map<?, ?>) m.get("artifacts");
        Artifacts artifacts = new Artifacts(
                Optional.ofNullable((Boolean) a.get("symbolsChecked")),
                Optional.ofNullable((String) a.get("signer")),
                (String) a.get("kernelMessages"),
                a.get("files") instanceof List<?> f
                        ? f.stream().map(String::valueOf).toList()
                        : List.of());
        return new StepResult(
                id,
                StepStatus.BUILT,
                Duration.ZERO,
                (String) m.get("message"),
                ds,
                details,
                Optional.empty(),
                artifacts);
    }
}
