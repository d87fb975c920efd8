package dev.kforge.core.service;

import dev.kforge.core.model.Packaging;
import java.util.List;
import java.util.Optional;

/**
 * Which packages a plan writes: none (build, test), the manifest's {@code [package] formats}
 * ({@code kforge package}), or the formats {@code --format} names.
 *
 * @param enabled whether the plan packages at all
 * @param formats the formats asked for on the command line; empty for the manifest's
 */
public record PackageChoice(boolean enabled, Optional<List<String>> formats) {

    /** No packages. */
    public static final PackageChoice NONE = new PackageChoice(false, Optional.empty());

    /** The formats the manifest's [package] table names (Debian packages when it names none). */
    public static final PackageChoice MANIFEST = new PackageChoice(true, Optional.empty());

    /** The manifest's formats when it has a [package] table, else none (kforge verify). */
    public static final PackageChoice DECLARED = new PackageChoice(true, Optional.of(List.of("declared")));

    public PackageChoice {
        formats = formats.map(List::copyOf);
    }

    public static PackageChoice of(List<String> formats) {
        return new PackageChoice(true, Optional.of(formats));
    }

    /** The formats to plan for a manifest with this [package] table. */
    public List<String> resolve(Packaging packaging) {
        if (this.equals(DECLARED)) {
            return packaging.pos().isPresent() ? packaging.formats() : List.of();
        }
        return enabled ? formats.orElse(packaging.formats()) : List.of();
    }

    /** What keys a remembered plan: the choice as written (the manifest's text covers its own formats). */
    String key() {
        return enabled ? formats.map(f -> String.join(",", f)).orElse("manifest") : "";
    }
}
