package dev.kforge.core.model;

import java.util.Locale;

/** The language of a driver, inferred from its sources. */
public enum Language {
    C,
    RUST;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
