package dev.kforge.core.kernel;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a plan with tests boots: the boot roots found, by plan root name ({@code NAME+ARCH.image},
 * {@code guest+ARCH}), and for the roots that could not be had, why (the planner skips those tests
 * with the reason).
 */
public record BootFacts(SortedMap<String, BootRoot> roots, SortedMap<String, String> missing) {

    public static final BootFacts NONE = new BootFacts(new TreeMap<>(), new TreeMap<>());

    public BootFacts {
        roots = Collections.unmodifiableSortedMap(new TreeMap<>(roots));
        missing = Collections.unmodifiableSortedMap(new TreeMap<>(missing));
    }
}
