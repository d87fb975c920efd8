package dev.kforge.rust;

import dev.kforge.core.kernel.RustSelection;
import dev.kforge.core.kernel.RustTools;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which rustc fits a kernel. Before 6.11 scripts/min-tool-version.sh names the exact rustc the
 * kernel was written for; the kernel's own check only warns about newer ones, which then fail on
 * unstable features that changed. So a candidate is accepted up to {@link #PIN_WINDOW} minor
 * releases above the pin and the closest one wins. From 6.11 the figure is a minimum and the
 * newest candidate wins. Every candidate needs rust-src.
 */
final class SelectionRules {

    /** Minor releases above a pre-6.11 pin still accepted (6.1 pins 1.62.0; Debian's 1.63.0 builds it). */
    static final int PIN_WINDOW = 1;

    private SelectionRules() {}

    static RustSelection select(
            Version kernel,
            Version minRustc,
            Version minBindgen,
            List<Candidate> rustcs,
            Optional<Candidate> bindgen,
            boolean libclang) {
        boolean pinned = kernel.compareTo(new Version(6, 11, 0)) < 0;
        List<String> lines = new ArrayList<>();
        List<Candidate> fit = new ArrayList<>();
        for (Candidate c : rustcs) {
            String verdict = verdict(c, minRustc, pinned);
            lines.add(c.rustc() + " (" + c.origin() + "): "
                    + (c.versionLine().isEmpty() ? "does not run" : c.versionLine()) + " -> "
                    + (verdict.isEmpty() ? "fits" : "rejected: " + verdict));
            if (verdict.isEmpty()) {
                fit.add(c);
            }
        }
        String bindgenProblem = bindgen.isEmpty()
                ? "bindgen not found"
                : bindgen.get().version().isEmpty()
                        ? "bindgen does not run"
                        : bindgen.get().version().get().compareTo(minBindgen) < 0
                                ? "bindgen " + bindgen.get().version().get() + " is older than the kernel's minimum "
                                        + minBindgen
                                : "";
        lines.add(bindgen.map(b -> b.rustc() + ": " + b.versionLine()).orElse("bindgen: not found")
                + (bindgenProblem.isEmpty() ? " -> fits" : " -> rejected: " + bindgenProblem));
        lines.add("libclang: " + (libclang ? "found" : "not found -> rejected: bindgen needs libclang"));
        String rule = pinned
                ? "kernel " + kernel + " pins rustc " + minRustc + " (accepted up to " + minRustc.major() + "."
                        + (minRustc.minor() + PIN_WINDOW) + ".x)"
                : "kernel " + kernel + " needs rustc >= " + minRustc;
        String hint =
                "install Debian's rustc, rust-src, bindgen and libclang-dev (apt-get install rustc rust-src bindgen "
                        + "libclang-dev), or pass --rustc PATH to a rustc with rust-src; " + rule;
        if (fit.isEmpty() || !bindgenProblem.isEmpty() || !libclang) {
            return new RustSelection(Optional.empty(), lines, hint);
        }
        Comparator<Candidate> byVersion = Comparator.comparing(c -> c.version().orElseThrow());
        Candidate best = pinned
                ? fit.stream().min(byVersion).orElseThrow()
                : fit.stream().max(byVersion).orElseThrow();
        List<String> notes = new ArrayList<>();
        notes.add("chose " + best.rustc() + " (" + best.versionLine() + "): " + rule);
        if (pinned && !best.version().orElseThrow().equals(minRustc)) {
            notes.add("rustc " + best.version().orElseThrow() + " is newer than the pinned " + minRustc
                    + "; the kernel only warns about that");
        }
        return new RustSelection(
                Optional.of(new RustTools(
                        best.rustc().toString(),
                        best.versionLine(),
                        bindgen.get().rustc().toString(),
                        bindgen.get().versionLine(),
                        best.libSrc().orElseThrow().toString(),
                        notes)),
                lines,
                hint);
    }

    /**
     * For a tree that is already prepared with Rust: the rustc that built it, named in the tree's
     * CONFIG_RUSTC_VERSION_TEXT ({@code rustc 1.78.0}); nothing else may build modules against it.
     */
    static RustSelection selectBuiltWith(
            String versionText, List<Candidate> rustcs, Optional<Candidate> bindgen, boolean libclang) {
        return selectBuiltWith(versionText, Optional.empty(), rustcs, bindgen, libclang);
    }

    /**
     * The rustc whose {@code --version} is exactly the kernel's CONFIG_RUSTC_VERSION_TEXT (its crates'
     * hashes follow that text), with the bindgen CONFIG_BINDGEN_VERSION_TEXT names when it names one.
     */
    static RustSelection selectBuiltWith(
            String versionText,
            Optional<String> bindgenText,
            List<Candidate> rustcs,
            Optional<Candidate> bindgen,
            boolean libclang) {
        List<String> lines = new ArrayList<>();
        List<Candidate> fit = new ArrayList<>();
        for (Candidate c : rustcs) {
            List<String> reasons = new ArrayList<>();
            if (c.version().isEmpty()) {
                reasons.add("it does not run");
            } else if (!c.versionLine().equals(versionText)) {
                reasons.add("the kernel was built with " + versionText);
            }
            if (c.libSrc().isEmpty()) {
                reasons.add("no rust-src (the kernel builds core and alloc from it)");
            }
            lines.add(c.rustc() + " (" + c.origin() + "): "
                    + (c.versionLine().isEmpty() ? "does not run" : c.versionLine()) + " -> "
                    + (reasons.isEmpty() ? "fits" : "rejected: " + String.join("; ", reasons)));
            if (reasons.isEmpty()) {
                fit.add(c);
            }
        }
        boolean bindgenFits = bindgen.isPresent()
                && bindgenText.map(t -> t.equals(bindgen.get().versionLine())).orElse(true);
        lines.add(bindgen.map(b -> b.rustc() + ": " + b.versionLine()
                        + (bindgenFits ? "" : " -> rejected: the kernel was built with " + bindgenText.get()))
                .orElse("bindgen: not found"));
        lines.add("libclang: " + (libclang ? "found" : "not found"));
        String hint = "install the rustc the kernel was built with (" + versionText + ")"
                + bindgenText.map(t -> " and " + t).orElse("") + " with its rust-src, or pass --rustc PATH";
        if (fit.isEmpty() || !bindgenFits || !libclang) {
            return new RustSelection(Optional.empty(), lines, hint);
        }
        Candidate best = fit.get(0);
        return new RustSelection(
                Optional.of(new RustTools(
                        best.rustc().toString(),
                        best.versionLine(),
                        bindgen.get().rustc().toString(),
                        bindgen.get().versionLine(),
                        best.libSrc().orElseThrow().toString(),
                        List.of("chose " + best.rustc() + " (" + best.versionLine() + "): the kernel was built with "
                                + versionText))),
                lines,
                hint);
    }

    /** Every reason a candidate does not fit, "; "-joined; empty when it fits. */
    private static String verdict(Candidate c, Version min, boolean pinned) {
        if (c.version().isEmpty()) {
            return "it does not run";
        }
        List<String> reasons = new ArrayList<>();
        Version v = c.version().get();
        if (v.compareTo(min) < 0) {
            reasons.add("older than the kernel's minimum " + min);
        }
        if (pinned && (v.major() != min.major() || v.minor() > min.minor() + PIN_WINDOW)) {
            reasons.add("too new: the kernel pins " + min + " and uses unstable features that change between releases");
        }
        if (c.libSrc().isEmpty()) {
            reasons.add("no rust-src (the kernel builds core and alloc from it)");
        }
        return String.join("; ", reasons);
    }
}
