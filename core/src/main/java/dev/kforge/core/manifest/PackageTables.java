package dev.kforge.core.manifest;

import dev.kforge.core.model.Packaging;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** {@code [package]} and a driver's {@code version}; see docs/manifest.md. */
final class PackageTables {

    static final Set<String> PACKAGE = Set.of("maintainer", "description", "version", "formats");

    /**
     * A Debian upstream version that is also an OCI tag's and a DKMS version's: starts with a digit,
     * then letters, digits and {@code . + ~}; no hyphen (kforge adds the kernel's ABI after it).
     */
    static final Pattern VERSION = Pattern.compile("[0-9][A-Za-z0-9.+~]{0,63}");

    /** {@code Name <address>}, as Debian's Maintainer field. */
    private static final Pattern MAINTAINER = Pattern.compile("[^<>\\n]*[^<>\\s] <[^<>@\\s]+@[^<>\\s]+>");

    private PackageTables() {}

    static Packaging packaging(TableReader top) {
        Optional<TableReader> table = top.table("package");
        if (table.isEmpty()) {
            return Packaging.DEFAULT;
        }
        TableReader t = table.get();
        t.onlyKeys(PACKAGE);
        Optional<String> maintainer = t.optString("maintainer");
        if (maintainer.isPresent() && !MAINTAINER.matcher(maintainer.get()).matches()) {
            throw new ManifestException(
                    t.posOf("maintainer"),
                    "[package] maintainer '" + maintainer.get() + "' is not 'Name <address>'",
                    "maintainer = \"Jane Doe <jane@example.org>\"");
        }
        Optional<String> description = t.optString("description");
        if (description.isPresent()
                && (description.get().isBlank() || description.get().contains("\n"))) {
            throw new ManifestException(
                    t.posOf("description"),
                    "[package] description is one line of text",
                    "description = \"Driver for the Acme frobnicator\"");
        }
        Optional<String> version = version(t, "[package]");
        List<String> formats = new ArrayList<>(List.of("deb"));
        if (t.has("formats")) {
            formats.clear();
            for (TableReader.Positioned f : t.strings("formats")) {
                if (!Packaging.FORMATS.contains(f.value())) {
                    throw new ManifestException(
                            f.pos(),
                            "unknown package format '" + f.value() + "'",
                            "formats are " + String.join(", ", Packaging.FORMATS));
                }
                if (formats.contains(f.value())) {
                    throw new ManifestException(f.pos(), "format '" + f.value() + "' is listed twice", "");
                }
                formats.add(f.value());
            }
            if (formats.isEmpty()) {
                throw new ManifestException(
                        t.posOf("formats"), "[package] formats is empty", "formats = [\"deb\"], or leave it out");
            }
        }
        return new Packaging(maintainer, description, version, formats, Optional.of(t.pos()));
    }

    /** A {@code version} key of this table, checked. */
    static Optional<String> version(TableReader t, String where) {
        Optional<String> version = t.optString("version");
        if (version.isPresent() && !VERSION.matcher(version.get()).matches()) {
            throw new ManifestException(
                    t.posOf("version"),
                    where + " version '" + version.get() + "' is not a package version",
                    "start with a digit, then letters, digits, '.', '+' or '~' (no '-': kforge appends the"
                            + " kernel ABI), e.g. version = \"1.2.0\"");
        }
        return version;
    }
}
