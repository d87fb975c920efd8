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
 */
public record StepContext(boolean fresh, Optional<String> stepKey, SortedMap<String, String> inputs) {

    /** A step run outside any cache. */
    public static final StepContext NONE = new StepContext(false, Optional.empty(), new TreeMap<>());

    public StepContext {
        Objects.requireNonNull(stepKey, "stepKey");
        inputs = Collections.unmodifiableSortedMap(new TreeMap<>(inputs));
    }
}
