package dev.kforge.core.exec;

import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the run tells an executor about one step beyond the step itself.
 *
 * @param fresh run from nothing: the step's kept working state (a cell's build directory) is
 *     removed first ({@code --no-cache})
 * @param stepKey the step's cache key, for the provenance the executor records (metadata.json)
 * @param inputs the digest of each input that went into the key
 * @param after for a step that is not gated by its dependencies ({@code Step#gated()}): how each dependency
 *     in the run ended, by step id; empty for every other step
 */
public record StepContext(
        boolean fresh,
        Optional<String> stepKey,
        SortedMap<String, String> inputs,
        SortedMap<String, StepStatus> after) {

    /** A step run outside any cache. */
    public static final StepContext NONE = new StepContext(false, Optional.empty(), new TreeMap<>(), new TreeMap<>());

    public StepContext {
        Objects.requireNonNull(stepKey, "stepKey");
        inputs = Collections.unmodifiableSortedMap(new TreeMap<>(inputs));
        after = Collections.unmodifiableSortedMap(new TreeMap<>(after));
    }

    /** A context that tells only the dependencies' outcomes (what the scheduler knows). */
    public static StepContext after(SortedMap<String, StepStatus> after) {
        return new StepContext(false, Optional.empty(), new TreeMap<>(), after);
    }
}
