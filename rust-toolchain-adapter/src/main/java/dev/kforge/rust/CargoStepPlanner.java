package dev.kforge.rust;

import dev.kforge.core.model.Architecture;
import dev.kforge.core.model.CargoCrate;
import dev.kforge.core.model.Driver;
import dev.kforge.core.model.Target;
import dev.kforge.core.plan.CompanionStepPlanner;
import dev.kforge.core.plan.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes the cargo steps of a driver's companion crates: {@code cargo test} on the host for a
 * test crate, {@code cargo build --release --target TRIPLE} per built cell's architecture for a
 * tool crate, linked by the Debian cross gcc.
 */
public final class CargoStepPlanner implements CompanionStepPlanner {

    /** Companions use Debian's cargo and rustc: Debian's libstd-rust-dev:ARCH matches that rustc. */
    public static final String CARGO = "/usr/bin/cargo";

    public static final String CARGO_RUSTC = "/usr/bin/rustc";

    @Override
    public List<String> tools() {
        return List.of(CARGO, CARGO_RUSTC);
    }

    private static List<String> cargo(String command, CargoCrate c, String targetDir) {
        return new ArrayList<>(List.of(
                CARGO,
                command,
                "--offline",
                "--manifest-path",
                "${workspace}/" + c.path() + "/Cargo.toml",
                "--target-dir",
                targetDir));
    }

    private static SortedMap<String, String> cargoEnv() {
        SortedMap<String, String> env = new TreeMap<>();
        env.put("CARGO_TERM_COLOR", "never");
        env.put("LC_ALL", "C");
        env.put("RUSTC", CARGO_RUSTC);
        env.put("TZ", "UTC");
        return env;
    }

    @Override
    public Step test(Driver d, CargoCrate c) {
        String targetDir = "${build}/cargo/" + d.name() + "/" + c.name() + "/host";
        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put("driver", d.name());
        attrs.put("crate", c.name());
        attrs.put("role", c.role().key());
        attrs.put("targetDir", targetDir);
        return new Step(
                "cargo-test/" + d.name() + "/" + c.name(),
                Step.Kind.CARGO_TEST,
                List.of(cargo("test", c, targetDir)),
                cargoEnv(),
                "${workspace}/" + c.path(),
                List.of("${workspace}/" + c.path()),
                List.of(), // cargo's target directory is working state, not an output: the result is the verdict
                List.of(),
                attrs);
    }

    @Override
    public Step tool(Driver d, CargoCrate c, Target t, Architecture arch, Step build) {
        String triple =
                arch.rustTarget().orElseThrow(() -> new IllegalArgumentException(arch.key() + " has no Rust target"));
        String targetDir = "${build}/cargo/" + d.name() + "/" + c.name() + "/" + arch.key();
        List<String> argv = cargo("build", c, targetDir);
        argv.addAll(List.of("--release", "--target", triple));
        SortedMap<String, String> env = cargoEnv();
        // Cargo links with the target's C compiler: the Debian cross gcc brings the target's libc.
        env.put(
                "CARGO_TARGET_" + triple.toUpperCase(Locale.ROOT).replace('-', '_') + "_LINKER",
                arch.crossCompile() + "gcc");
        // The tools go inside the cell's published directory (the step contract's publishDir, not an attribute).
        String outDir =
                build.publishDir().orElseThrow(() -> new IllegalStateException(build.id() + " publishes no directory"))
                        + "/tools/"
                        + c.name();
        SortedMap<String, String> attrs = new TreeMap<>();
        attrs.put("driver", d.name());
        attrs.put("crate", c.name());
        attrs.put("role", c.role().key());
        attrs.put("arch", arch.key());
        attrs.put("triple", triple);
        attrs.put("targetDir", targetDir);
        attrs.put("outDir", outDir);
        return new Step(
                "cargo-tool/" + d.name() + "/" + c.name() + "/" + t.id(),
                Step.Kind.CARGO_TOOL,
                List.of(argv),
                env,
                "${workspace}/" + c.path(),
                List.of("${workspace}/" + c.path()),
                List.of(outDir + "/"),
                List.of(build.id()),
                attrs);
    }
}
