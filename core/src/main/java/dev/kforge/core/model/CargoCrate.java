package dev.kforge.core.model;

import java.util.Locale;
import java.util.Objects;

/**
 * A Rust crate that goes with a driver ({@code [[driver.cargo]]}).
 *
 * @param name the crate directory's name; appears in step ids
 * @param path workspace-relative directory holding its Cargo.toml
 * @param role {@code TEST}: the driver's logic in a plain crate, {@code cargo test} on the host;
 *     {@code TOOL}: a userspace companion, cross-built for every target architecture
 * @param pos where it was declared
 */
public record CargoCrate(String name, String path, Role role, SourcePos pos) {

    /** What the crate is for. */
    public enum Role {
        TEST,
        TOOL;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public CargoCrate {
        Names.require("cargo crate name", name);
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(pos, "pos");
    }
}
