package dev.kforge.core.plan;

import dev.kforge.core.TestWorkspace;
import dev.kforge.core.catalog.Catalog;
import dev.kforge.core.digest.Digest;
import dev.kforge.core.kernel.KernelFacts;
import dev.kforge.core.kernel.RustTools;
import dev.kforge.core.manifest.ManifestLoader;
import dev.kforge.core.model.KernelSource;
import dev.kforge.core.model.ToolchainFamily;
import dev.kforge.core.model.Workspace;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A plan input for planner tests: five drivers (a dependency, an arch restriction, a required
 * option, a Rust driver) on a source kernel and a headers kernel, with the tools' and Rust
 * toolchain's identities as a 2-core Debian 12 machine reports them.
 */
public final class PlanInputs {

    private PlanInputs() {}

    public static final String MANIFEST = """
            [[kernel]]
            name = "v6.1"
            source = "/usr/src/linux-source-6.1.tar.xz"

            [[kernel]]
            name = "host"
            headers = "/usr/src/linux-headers-*-amd64"

            [[driver]]
            name = "core"
            path = "drivers/core"
            [driver.make]
            VERSION = "1.2"

            [[driver]]
            name = "user"
            path = "drivers/user"
            depends = ["core"]

            [[driver]]
            name = "armonly"
            path = "drivers/armonly"
            arches = ["arm64"]

            [[driver]]
            name = "pci"
            path = "drivers/pci"
            requires = ["CONFIG_PCI"]

            [[driver]]
            name = "rusty"
            path = "drivers/rusty"

            [[matrix]]
            kernels = ["v6.1"]
            arches = ["x86_64", "arm64", "riscv64"]
            toolchains = ["gcc", "llvm"]
            exclude = [{ arch = "riscv64", toolchain = "llvm" }]

            [[matrix]]
            kernels = ["host"]
            arches = ["x86_64", "arm64"]
            toolchains = ["gcc", "llvm"]
            """;

    static Digest d(String s) {
        return Digest.of(s);
    }

    /** {@code in} with a [package] table that versions every driver (and names a maintainer), without formats. */
    public static PlanInput versioned(PlanInput in) {
        Workspace w = in.workspace();
        Workspace versioned = new Workspace(
                w.name(),
                w.manifestName(),
                w.out(),
                w.kernels(),
                w.drivers(),
                w.matrices(),
                w.remoteCache(),
                w.roots(),
                w.signing(),
                w.xfail(),
                new dev.kforge.core.model.Packaging(
                        Optional.of("Jane Doe <jane@example.org>"),
                        Optional.empty(),
                        Optional.of("1.0"),
                        List.of("deb"),
                        Optional.empty()));
        return new PlanInput(versioned, in.kernels(), in.tools(), in.files(), in.rust(), in.sourceDateEpoch());
    }

    public static PlanInput input(Path root) {
        new TestWorkspace(root)
                .cDriver("drivers/core")
                .cDriver("drivers/user")
                .cDriver("drivers/armonly")
                .cDriver("drivers/pci")
                .rustDriver("drivers/rusty")
                .manifest(MANIFEST);
        Workspace ws = new ManifestLoader(Catalog.builtIn()).load(root.resolve("kforge.toml"), "kforge.toml");
        var kernels = new TreeMap<String, KernelFacts>();
        kernels.put(
                "v6.1",
                new KernelFacts(
                        "v6.1",
                        KernelSource.Kind.SOURCE,
                        "6.1.192",
                        d("tarball"),
                        Optional.empty(),
                        Optional.empty(),
                        Optional.empty(),
                        new TreeSet<>(List.of("x86_64")),
                        new TreeMap<>()));
        kernels.put(
                "host",
                new KernelFacts(
                        "host",
                        KernelSource.Kind.HEADERS,
                        "6.1.192",
                        d("headers"),
                        Optional.of("x86_64"),
                        Optional.of(ToolchainFamily.GCC),
                        Optional.of("6.1.0-56-amd64"),
                        new TreeSet<>(),
                        new TreeMap<>(Map.of("CONFIG_PCI", "n", "CONFIG_64BIT", "y"))));
        var tools = new TreeMap<String, String>();
        tools.put("make", "GNU Make 4.3");
        tools.put("x86_64-linux-gnu-gcc", "x86_64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0");
        tools.put("aarch64-linux-gnu-gcc", "aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0");
        tools.put("riscv64-linux-gnu-gcc", "riscv64-linux-gnu-gcc (Debian 12.2.0-13) 12.2.0");
        tools.put("clang", "Debian clang version 14.0.6");
        return new PlanInput(ws, kernels, tools, new TreeMap<>(), rust(), 1700000000L);
    }

    public static SortedMap<String, RustTools> rust() {
        var m = new TreeMap<String, RustTools>();
        m.put(
                "v6.1",
                new RustTools(
                        "/usr/bin/rustc",
                        "rustc 1.63.0",
                        "/usr/bin/bindgen",
                        "bindgen 0.60.1",
                        "/usr/lib/rustlib/src/rust/library",
                        List.of()));
        return m;
    }
}
