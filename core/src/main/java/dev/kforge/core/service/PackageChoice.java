package dev.kforge.core.service;

import dev.kforge.core.model.Packaging;
import java.util.List;
import java.util.Objects;

/**
 * Which packages a plan writes: none (build, test), the manifest's {@code [package] formats}
 * ({@code kforge package}, {@code gather --package}), those formats only when the manifest has a
 * {@code [package]} table ({@code kforge verify}), or the formats {@code --format} names.
 *
 * @param source where the formats come from
 * @param formats for {@link Source#FLAG}: the formats named; empty otherwise
 */
public record PackageChoice(Source source, List<String> formats) {

    /** Where a plan's package formats come from. */
    public enum Source {
        /** No packages. */
        NONE,
        /** The manifest's [package] formats (Debian packages when it names none). */
        MANIFEST,
        /** The manifest's formats when it has a [package] table, else none. */
        DECLARED,
        /** The formats the command line names. */
        FLAG
    }

    public static final PackageChoice NONE = new PackageChoice(Source.NONE, List.of());

    public static final PackageChoice MANIFEST = new PackageChoice(Source.MANIFEST, List.of());

    public static final PackageChoice DECLARED = new PackageChoice(Source.DECLARED, List.of());

    public PackageChoice {
        Objects.requireNonNull(source, "source");
        formats = List.copyOf(formats);
        if ((source == Source.FLAG) == formats.isEmpty()) {
            throw new IllegalArgumentException("formats are named exactly when they come from the command line");
        }
    }

    public static PackageChoice of(List<String> formats) {
        return new PackageChoice(Source.FLAG, formats);
    }

    /** Whether the plan packages at all (before the manifest is read: DECLARED may still plan none). */
    public boolean enabled() {
        return source != Source.NONE;
    }

    /** The formats to plan for a manifest with this [package] table. */
    public List<String> resolve(Packaging packaging) {
        return switch (source) {
            case NONE -> List.of();
            case MANIFEST -> packaging.formats();
            case DECLARED -> packaging.pos().isPresent() ? packaging.formats() : List.of();
            case FLAG -> formats;
        };
    }

    /** What keys a remembered plan: the choice as written (the manifest's text covers its own formats). */
    String key() {
        return source == Source.FLAG ? String.join(",", formats) : source.name().toLowerCase(java.util.Locale.ROOT);
    }
}
