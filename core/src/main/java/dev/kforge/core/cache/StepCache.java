package dev.kforge.core.cache;

import dev.kforge.core.digest.Digest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Port: a content-addressed store of step results. An action entry maps a step key to the
 * digests of its output files and its result; blobs hold the files. Contract: {@link #store}
 * writes every blob before the entry, so a reader that finds an entry finds its blobs; every
 * {@link #fetch} is verified against the digest, and a blob that fails is removed and reported
 * as missing, never returned.
 */
public interface StepCache {

    /** The entry for {@code key}, if one is stored and readable. */
    Optional<ActionEntry> lookup(Digest key) throws IOException;

    /**
     * Stores the outputs and result of a step.
     *
     * @param outputs logical output name (such as {@code out/kf_core.ko}) to the file holding it
     */
    void store(Digest key, SortedMap<String, Path> outputs, String result) throws IOException;

    /**
     * Copies blob {@code digest} to {@code target} (replacing it), verifying its content.
     *
     * @return false when the blob is missing or corrupt (a corrupt blob is deleted)
     */
    boolean fetch(Digest digest, Path target) throws IOException;

    /** What a step stored: outputs by logical name, and its result as JSON text. */
    record ActionEntry(Digest key, SortedMap<String, Digest> outputs, String result) {}
}
