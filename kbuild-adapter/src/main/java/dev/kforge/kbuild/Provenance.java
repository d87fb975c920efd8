package dev.kforge.kbuild;

import dev.kforge.core.exec.StepContext;
import java.util.Map;
import java.util.TreeMap;

/**
 * The step key and input digests a cell's metadata.json records, for provenance. A signature adds
 * to what its build recorded: the build's key becomes {@code buildStepKey}, and the inputs are both
 * steps' (the driver's and the certificate).
 */
final class Provenance {

    private Provenance() {}

    static void record(Map<String, Object> meta, StepContext context) {
        if (context.stepKey().isEmpty()) {
            return; // run outside the cache (kforge verify, explain): no key to record
        }
        String key = context.stepKey().get();
        boolean signature = meta.get("signing") != null;
        Map<String, Object> inputs = new TreeMap<>();
        if (signature) {
            if (meta.get("stepKey") instanceof String buildKey && !buildKey.equals(key)) {
                meta.putIfAbsent("buildStepKey", buildKey);
            }
            if (meta.get("inputs") instanceof Map<?, ?> earlier) {
                earlier.forEach((k, v) -> inputs.put(String.valueOf(k), v));
            }
        }
        inputs.putAll(context.inputs());
        meta.put("stepKey", key);
        meta.put("inputs", inputs);
    }
}
