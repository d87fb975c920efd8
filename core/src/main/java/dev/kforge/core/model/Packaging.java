package dev.kforge.core.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code [package]}: what {@code kforge package} writes by default and the fields every package carries.
 *
 * @param maintainer {@code Name <address>}, the Debian packages' Maintainer field (required to write deb)
 * @param description the packages' one-line synopsis; empty for a generated one naming the driver and kernel
 * @param version the drivers' version when a driver names none of its own
 * @param formats the formats {@code kforge package} writes without {@code --format}, in {@link #FORMATS}
 * @param pos where the table was declared, if it was
 */
public record Packaging(
        Optional<String> maintainer,
        Optional<String> description,
        Optional<String> version,
        List<String> formats,
        Optional<SourcePos> pos) {

    /**
     * Every package format kforge writes: Debian binary packages and OCI kmod images (KMM's layout) per cell,
     * DKMS source packages per driver.
     */
    public static final List<String> FORMATS = List.of("deb", "oci", "dkms");

    /** Whether a format packages a driver's sources, once per driver, rather than one cell's modules. */
    public static boolean perDriver(String format) {
        return format.equals("dkms");
    }

    /** No {@code [package]} table: Debian packages by default, no maintainer. */
    public static final Packaging DEFAULT =
            new Packaging(Optional.empty(), Optional.empty(), Optional.empty(), List.of("deb"), Optional.empty());

    public Packaging {
        Objects.requireNonNull(maintainer, "maintainer");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(version, "version");
        formats = List.copyOf(formats);
        for (String f : formats) {
            if (!FORMATS.contains(f)) {
                throw new IllegalArgumentException("unknown package format " + f);
            }
        }
        Objects.requireNonNull(pos, "pos");
    }

    /** A driver's package version: its own, else this table's. */
    public Optional<String> versionOf(Driver d) {
        return d.version().or(() -> version);
    }
}
