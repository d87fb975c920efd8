package dev.kforge.core.kernel;

import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a plan with tests boots: the boot roots found, by plan root name ({@code NAME+ARCH.image},
 * {@code guest+ARCH}, {@code guest+RELEASE+ARCH}), and for the roots that could not be had, why (the
 * planner skips those tests with the reason).
 *
 * @param guests for a kernel whose guests run another release's userland than the host's (a
 *     distribution's kernel line): kernel name to that release
 */
public record BootFacts(
        SortedMap<String, BootRoot> roots, SortedMap<String, String> missing, SortedMap<String, String> guests) {

    public static final BootFacts NONE = new BootFacts(new TreeMap<>(), new TreeMap<>());

    public BootFacts {
        roots = Collections.unmodifiableSortedMap(new TreeMap<>(roots));
        missing = Collections.unmodifiableSortedMap(new TreeMap<>(missing));
        guests = Collections.unmodifiableSortedMap(new TreeMap<>(guests));
    }

    /** Every guest runs the host's release's userland. */
    public BootFacts(SortedMap<String, BootRoot> roots, SortedMap<String, String> missing) {
        this(roots, missing, new TreeMap<>());
    }

    /** The release whose userland {@code kernel}'s guests run: empty for the host's. */
    public Optional<String> guestRelease(String kernel) {
        return Optional.ofNullable(guests.get(kernel));
    }
}
