package dev.kforge.core.model;

/** The language of a driver, inferred from its sources. */
public enum Language {
    C,
    RUST;

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
