package dev.kforge.core.model;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * An out-of-tree kernel module (or several built by one Kbuild file).
 *
 * @param name unique name; appears in step ids and out/ paths
 * @param path workspace-relative directory holding its Kbuild or Makefile
 * @param language C or Rust, inferred from the sources
 * @param arches architecture keys it is restricted to; empty means all
 * @param requires CONFIG_ options the kernel must have (=y or =m)
 * @param dependsOn drivers whose exported symbols it uses (KBUILD_EXTRA_SYMBOLS)
 * @param makeVariables extra variables passed to make (VERSION=1.2)
 * @param cargo Rust crates that go with the driver
 * @param timeoutSeconds a limit for each of the driver's build steps, 0 for none
 * @param test how {@code kforge test} exercises it after loading ({@code [driver.test]})
 * @param pos where it was declared
 * @param version the version its packages carry ({@code version}), else {@code [package]}'s
 */
public record Driver(
        String name,
        String path,
        Language language,
        List<String> arches,
        List<String> requires,
        List<String> dependsOn,
        SortedMap<String, String> makeVariables,
        List<CargoCrate> cargo,
        long timeoutSeconds,
        DriverTest test,
        SourcePos pos,
        Optional<String> version) {

    /**
     * Files kforge itself writes into a driver's directory (kforge ide's editor files): they change no build,
     * key no step and go into no package.
     */
    public static final java.util.Set<String> GENERATED_FILES =
            java.util.Set.of("compile_commands.json", "rust-project.json");

    public Driver(
            String name,
            String path,
            Language language,
            List<String> arches,
            List<String> requires,
            List<String> dependsOn,
            SortedMap<String, String> makeVariables,
            List<CargoCrate> cargo,
            long timeoutSeconds,
            DriverTest test,
            SourcePos pos) {
        this(
                name,
                path,
                language,
                arches,
                requires,
                dependsOn,
                makeVariables,
                cargo,
                timeoutSeconds,
                test,
                pos,
                Optional.empty());
    }

    public Driver(
            String name,
            String path,
            Language language,
            List<String> arches,
            List<String> requires,
            List<String> dependsOn,
            SortedMap<String, String> makeVariables,
            List<CargoCrate> cargo,
            long timeoutSeconds,
            SourcePos pos) {
        this(
                name,
                path,
                language,
                arches,
                requires,
                dependsOn,
                makeVariables,
                cargo,
                timeoutSeconds,
                DriverTest.DEFAULT,
                pos);
    }

    public Driver {
        Names.require("driver name", name);
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(language, "language");
        arches = List.copyOf(arches);
        requires = List.copyOf(requires);
        dependsOn = List.copyOf(dependsOn);
        makeVariables = Collections.unmodifiableSortedMap(new TreeMap<>(makeVariables));
        cargo = List.copyOf(cargo);
        if (timeoutSeconds < 0) {
            throw new IllegalArgumentException("timeout must not be negative");
        }
        Objects.requireNonNull(test, "test");
        Objects.requireNonNull(pos, "pos");
        Objects.requireNonNull(version, "version");
    }
}
