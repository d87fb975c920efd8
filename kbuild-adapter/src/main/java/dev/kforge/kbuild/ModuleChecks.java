package dev.kforge.kbuild;

import dev.kforge.core.digest.Digest;
import dev.kforge.core.elf.Elf;
import dev.kforge.core.model.Architecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/** What kforge checks of every built module that Kbuild does not: its ELF machine and its vermagic release. */
final class ModuleChecks {

    private ModuleChecks() {}

    /** Why the module is not a loadable result for this tree, if it is not. */
    static Optional<String> problem(Path ko, Elf elf, Architecture arch, String release) {
        if (elf.machine() != arch.elfMachine()) {
            return Optional.of(ko.getFileName() + " has ELF machine " + elf.machine() + ", expected "
                    + arch.elfMachine() + " (EM_" + arch.elfMachineName() + ")");
        }
        if (!elf.release().orElse("").equals(release)) {
            // The kernel refuses a module whose vermagic names another release: not a loadable result.
            return Optional.of(ko.getFileName() + ": vermagic release "
                    + elf.release().orElse("(none)") + " differs from the tree's " + release
                    + " (include/generated/utsrelease.h); the tree was changed under the build, or the driver's "
                    + "Makefile overrides the kernel it builds against");
        }
        return Optional.empty();
    }

    /** The module's facts for metadata.json. */
    /**
     * When a module's compiler (its .comment: {@code GCC: (Debian 14.2.0-19) 14.2.0}) is not the
     * kernel's (CONFIG_CC_VERSION_TEXT: {@code x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0}),
     * what to say: the version parts are compared, program names aside.
     */
    static Optional<String> compilerMismatch(Path ko, Elf elf, String kernelCompiler) {
        Optional<String> used = elf.compiler();
        if (used.isEmpty() || kernelCompiler.isEmpty() || !used.get().contains("(") || !kernelCompiler.contains("(")) {
            return Optional.empty();
        }
        // The upstream version after the distribution's note: 14.2.0 of "(Debian 14.2.0-19) 14.2.0". Another
        // Debian revision of the same release (12.2.0-14 against 12.2.0-14+deb12u1) is recorded, not warned of.
        String a = used.get().substring(used.get().lastIndexOf(')') + 1).strip();
        String b = kernelCompiler.substring(kernelCompiler.lastIndexOf(')') + 1).strip();
        if (a.equals(b)) {
            return Optional.empty();
        }
        return Optional.of(ko.getFileName() + " was built with " + used.get() + ", the kernel with " + kernelCompiler
                + ": a module built by another compiler may not load or behave alike");
    }

    static Map<String, Object> facts(Path ko, Elf elf, Architecture arch) throws IOException {
        Map<String, Object> f = new TreeMap<>();
        f.put("sha256", Digest.ofFile(ko).hex());
        f.put("size", Files.size(ko));
        f.put("elfMachine", "EM_" + arch.elfMachineName());
        f.put("vermagic", elf.vermagic().orElse(""));
        elf.compiler().ifPresent(c -> f.put("compiler", c));
        return f;
    }

    /**
     * The modules Kbuild built, from its modules.order (6.1 lists {@code foo.ko}, later kernels
     * {@code foo.o}), so a module left in a reused build directory by an earlier Kbuild file is not
     * published; every .ko below the directory where there is no modules.order.
     */
    static List<Path> modules(Path buildDir) throws IOException {
        Path order = buildDir.resolve("modules.order");
        if (Files.isRegularFile(order)) {
            List<Path> out = new ArrayList<>();
            for (String line : Files.readAllLines(order)) {
                String m = line.strip();
                if (m.isEmpty()) {
                    continue;
                }
                Path ko = buildDir.resolve(m.endsWith(".o") ? m.substring(0, m.length() - 2) + ".ko" : m);
                if (Files.isRegularFile(ko)) {
                    out.add(ko);
                }
            }
            return out.stream().sorted().toList();
        }
        try (Stream<Path> s = Files.walk(buildDir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".ko"))
                    .sorted()
                    .toList();
        }
    }
}
