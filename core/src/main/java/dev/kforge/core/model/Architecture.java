package dev.kforge.core.model;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A CPU architecture as the kernel and Debian name it.
 *
 * @param key the kforge name (x86_64, arm64, armhf, riscv64, ...)
 * @param kernelArch the value of ARCH= (x86_64, arm64, arm, riscv)
 * @param srcArch SRCARCH: the directory under arch/ (x86, arm64, arm, riscv)
 * @param crossCompile the Debian CROSS_COMPILE prefix (aarch64-linux-gnu-)
 * @param clangTarget the clang --target triple
 * @param rustTarget the userspace Rust target triple, if Rust has one
 * @param defconfig the default config target (armhf: multi_v7_defconfig)
 * @param elfMachine e_machine of the objects this architecture produces
 * @param elfMachineName the EM_ constant's name without the prefix (AARCH64)
 * @param gccPackage the Debian package that provides {@code crossCompile}gcc
 * @param debianArch the Debian architecture name (amd64, arm64, armhf), for multiarch packages
 * @param aliases other names users write (aarch64, amd64)
 * @param ociPlatform the OCI platform of its images: GOARCH, then /variant where one is needed (arm/v7)
 * @param debianFlavour Debian's kernel flavour for this arch (linux-headers-ABI-FLAVOUR: amd64, armmp), if Debian has one
 * @param boot how QEMU boots a kernel of this arch, if it can
 * @param unameMachines what {@code uname -m} prints on a machine of this arch (armhf: armv7l, and armv8l on a
 *     64-bit CPU): DKMS matches its BUILD_EXCLUSIVE_ARCH against it
 */
public record Architecture(
        String key,
        String kernelArch,
        String srcArch,
        String crossCompile,
        String clangTarget,
        Optional<String> rustTarget,
        String defconfig,
        int elfMachine,
        String elfMachineName,
        String gccPackage,
        String debianArch,
        List<String> aliases,
        Optional<String> debianFlavour,
        Optional<Boot> boot,
        String ociPlatform,
        List<String> unameMachines) {

    /**
     * How a kernel of this architecture boots under QEMU.
     *
     * @param qemuSystem the emulator (qemu-system-aarch64)
     * @param machine {@code -M} (virt, pc)
     * @param cpu {@code -cpu} (max, cortex-a15)
     * @param console the serial console the kernel writes to (console=ttyAMA0)
     * @param image the bootable image in a kernel build tree (arch/arm64/boot/Image)
     * @param config the options (without CONFIG_) a source kernel built for booting turns on: a
     *     serial console, initramfs, devtmpfs, proc, sysfs, ELF and script binaries, module unloading
     * @param tcgCpu {@code -cpu} under TCG (emulation), when it differs from {@code cpu} (faster emulated features)
     */
    public record Boot(
            String qemuSystem,
            String machine,
            String cpu,
            String console,
            String image,
            List<String> config,
            String tcgCpu) {
        public Boot {
            Objects.requireNonNull(tcgCpu, "tcgCpu");
            config = List.copyOf(config);
            Objects.requireNonNull(qemuSystem, "qemuSystem");
            Objects.requireNonNull(machine, "machine");
            Objects.requireNonNull(cpu, "cpu");
            Objects.requireNonNull(console, "console");
            Objects.requireNonNull(image, "image");
        }
    }

    public Architecture {
        Names.require("architecture key", key);
        Objects.requireNonNull(kernelArch, "kernelArch");
        Objects.requireNonNull(srcArch, "srcArch");
        Objects.requireNonNull(crossCompile, "crossCompile");
        Objects.requireNonNull(clangTarget, "clangTarget");
        Objects.requireNonNull(rustTarget, "rustTarget");
        Objects.requireNonNull(defconfig, "defconfig");
        Objects.requireNonNull(elfMachineName, "elfMachineName");
        Objects.requireNonNull(gccPackage, "gccPackage");
        Objects.requireNonNull(debianArch, "debianArch");
        aliases = List.copyOf(aliases);
        Objects.requireNonNull(debianFlavour, "debianFlavour");
        Objects.requireNonNull(boot, "boot");
        if (!ociPlatform.matches("[a-z0-9]+(/v[0-9]+)?")) {
            throw new IllegalArgumentException(key + ": oci.platform is GOARCH[/variant], not '" + ociPlatform + "'");
        }
        unameMachines = List.copyOf(unameMachines);
        if (unameMachines.isEmpty() || !unameMachines.stream().allMatch(m -> m.matches("[a-z0-9_]+"))) {
            throw new IllegalArgumentException(
                    key + ": uname.machine lists what uname -m prints, not " + unameMachines);
        }
        if (kernelArch.isEmpty() || srcArch.isEmpty() || defconfig.isEmpty()) {
            throw new IllegalArgumentException(key + ": ARCH, SRCARCH and defconfig are required");
        }
        if (!crossCompile.isEmpty() && !crossCompile.endsWith("-")) {
            throw new IllegalArgumentException(key + ": CROSS_COMPILE prefix must end with '-'");
        }
        if (elfMachine <= 0) {
            throw new IllegalArgumentException(key + ": elfMachine must be positive");
        }
    }
}
