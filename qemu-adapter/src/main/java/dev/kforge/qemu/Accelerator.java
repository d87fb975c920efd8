package dev.kforge.qemu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * KVM when the guest's architecture is the host's, /dev/kvm can be opened and (on x86) the CPU
 * shows its virtualization extension (vmx or svm in /proc/cpuinfo), TCG (emulation) otherwise.
 * A /dev/kvm without the extension is what some sandboxed VMs offer: KVM guests there hang in the
 * firmware, so the flag decides. {@code KFORGE_QEMU_ACCEL=tcg|kvm} overrides the choice. Chosen
 * where the test runs; the plan says only {@code ${accel}}.
 *
 * @param hostArch the host's architecture key (x86_64, arm64)
 * @param kvm whether /dev/kvm is usable
 */
public record Accelerator(String hostArch, boolean kvm) {

    /** This machine's, with {@code KFORGE_QEMU_ACCEL} from the environment. */
    public static Accelerator detect() {
        return detect(System.getenv());
    }

    /** This machine's, {@code KFORGE_QEMU_ACCEL} read from {@code env}. */
    public static Accelerator detect(Map<String, String> env) {
        String os = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String host = switch (os) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm64";
            case "riscv64" -> "riscv64";
            default -> os;
        };
        String forced = env.getOrDefault("KFORGE_QEMU_ACCEL", "");
        if (forced.equals("tcg") || forced.equals("kvm")) {
            return new Accelerator(host, forced.equals("kvm"));
        }
        Path dev = Path.of("/dev/kvm");
        boolean kvm = Files.isReadable(dev) && Files.isWritable(dev);
        if (kvm && host.equals("x86_64")) {
            kvm = hasVirtualizationFlag(Path.of("/proc/cpuinfo"));
        }
        return new Accelerator(host, kvm);
    }

    /** Whether a cpuinfo's flags list vmx (Intel VT-x) or svm (AMD-V). */
    static boolean hasVirtualizationFlag(Path cpuinfo) {
        try (var lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("flags"))
                    .findFirst()
                    .map(l -> List.of(l.substring(l.indexOf(':') + 1).strip().split("\\s+")))
                    .map(f -> f.contains("vmx") || f.contains("svm"))
                    .orElse(false);
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    /** {@code kvm} or {@code tcg} for a guest of {@code arch}. */
    public String choose(String arch) {
        return kvm && arch.equals(hostArch) ? "kvm" : "tcg";
    }
}
