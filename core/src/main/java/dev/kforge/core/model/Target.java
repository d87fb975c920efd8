package dev.kforge.core.model;

/** One kernel x architecture x toolchain, by their manifest and catalog keys. */
public record Target(String kernel, String arch, String toolchain) implements Comparable<Target> {

    public Target {
        Names.require("kernel", kernel);
        Names.require("arch", arch);
        Names.require("toolchain", toolchain);
    }

    /** The part of step ids and out/ paths below the kernel: {@code arm64-gcc}. */
    public String archToolchain() {
        return arch + "-" + toolchain;
    }

    /** {@code v6.1/arm64-gcc}. */
    public String id() {
        return kernel + "/" + archToolchain();
    }

    @Override
    public int compareTo(Target o) {
        return id().compareTo(o.id());
    }

    @Override
    public String toString() {
        return id();
    }
}
