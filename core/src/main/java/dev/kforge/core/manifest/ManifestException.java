package dev.kforge.core.manifest;

import dev.kforge.core.KforgeException;
import dev.kforge.core.model.SourcePos;

/** A manifest error: {@code FILE:LINE:COL: message}, a hint, exit code 2. */
public final class ManifestException extends KforgeException {

    private final SourcePos pos;

    public ManifestException(SourcePos pos, String message, String hint) {
        super(Kind.USER_INPUT, pos + ": " + message, hint);
        this.pos = pos;
    }

    public SourcePos pos() {
        return pos;
    }
}
