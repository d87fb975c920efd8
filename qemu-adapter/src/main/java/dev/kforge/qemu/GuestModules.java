package dev.kforge.qemu;

import dev.kforge.core.elf.Elf;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.tukaani.xz.XZIOException;
import org.tukaani.xz.XZInputStream;

/**
 * The modules a guest loads, in an order that works: the drivers' modules, and every module they
 * need (by modinfo {@code depends}, transitively) from the drivers themselves or from the kernel's
 * own {@code lib/modules/RELEASE} tree, each before the modules that need it. Debian's image
 * packages ship no modules.dep (depmod runs at install), so the dependencies are read from each
 * module's .modinfo section. From 6.12 Debian ships its modules xz-compressed ({@code .ko.xz}):
 * those are read and loaded decompressed, so the guest's insmod needs no decompressor.
 */
final class GuestModules {

    /**
     * One module to load.
     *
     * @param name as the kernel knows it (modinfo name; the file name with - as _ when absent)
     * @param file where it is on this machine
     * @param driver the driver that built it, empty for one of the kernel's own
     * @param params insmod parameters
     */
    record Module(String name, Path file, Optional<String> driver, String params) {}

    /** How Debian names a compressed module. */
    private static final String XZ = ".ko.xz";

    private GuestModules() {}

    /** The modules cannot be put together for loading: the test fails with this message, nothing boots. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /** A driver's modules: the .ko files of its out/ directory, sorted. */
    record DriverModules(String driver, Path dir, String params) {}

    /**
     * @param drivers the drivers to load, dependencies first
     * @param kernelModules the kernel's {@code lib/modules} directory (holding one release), if it has one
     */
    static List<Module> resolve(List<DriverModules> drivers, Optional<Path> kernelModules) throws IOException, Refused {
        Map<String, Module> ours = new LinkedHashMap<>();
        for (DriverModules d : drivers) {
            List<Path> kos;
            try (Stream<Path> s = Files.list(d.dir())) {
                kos = s.filter(p -> p.getFileName().toString().endsWith(".ko"))
                        .sorted()
                        .toList();
            } catch (NoSuchFileException e) {
                kos = List.of();
            }
            if (kos.isEmpty()) {
                throw new Refused("driver " + d.driver() + " has no module in " + d.dir() + "; kforge build shows why");
            }
            for (Path ko : kos) {
                String name = nameOf(ko, elf(ko));
                ours.put(name, new Module(name, ko, Optional.of(d.driver()), d.params()));
            }
        }
        Map<String, Path> kernel = kernelModules.isPresent() ? index(kernelModules.get()) : Map.of();
        Set<String> done = new LinkedHashSet<>();
        List<Module> order = new ArrayList<>();
        for (Module m : ours.values()) {
            visit(m, ours, kernel, done, new LinkedHashSet<>(), order);
        }
        return order;
    }

    private static void visit(
            Module m,
            Map<String, Module> ours,
            Map<String, Path> kernel,
            Set<String> done,
            Set<String> path,
            List<Module> order)
            throws IOException, Refused {
        if (done.contains(m.name())) {
            return;
        }
        if (!path.add(m.name())) {
            throw new Refused(
                    "modules depend on each other in a cycle: " + String.join(" -> ", path) + " -> " + m.name());
        }
        for (String dep : depends(elf(m.file()))) {
            Module d = ours.get(dep);
            if (d == null) {
                Path k = kernel.get(dep);
                if (k == null) {
                    throw new Refused(
                            "module " + m.name() + " needs " + dep + ", which neither the drivers nor the kernel's "
                                    + "modules provide: add the driver that builds " + dep
                                    + " to depends, or test against a kernel "
                                    + "that ships it");
                }
                d = new Module(dep, k, Optional.empty(), "");
            }
            visit(d, ours, kernel, done, path, order);
        }
        path.remove(m.name());
        done.add(m.name());
        order.add(m);
    }

    /** Module name to file for every .ko (or .ko.xz) under the one release directory of {@code libModules}. */
    static Map<String, Path> index(Path libModules) throws IOException {
        List<Path> releases;
        try (Stream<Path> s = Files.list(libModules)) {
            releases = s.filter(Files::isDirectory).sorted().toList();
        } catch (NoSuchFileException e) {
            return Map.of();
        }
        Map<String, Path> out = new HashMap<>();
        for (Path rel : releases) {
            try (Stream<Path> s = Files.walk(rel)) {
                s.filter(p -> isModule(p.getFileName().toString())).sorted().forEach(p -> out.putIfAbsent(stem(p), p));
            }
        }
        return out;
    }

    private static String nameOf(Path ko, Elf elf) {
        String n = elf.modinfo().get("name");
        return n == null || n.isBlank() ? stem(ko) : n;
    }

    private static boolean isModule(String file) {
        return file.endsWith(".ko") || file.endsWith(XZ);
    }

    private static String stem(Path ko) {
        String f = ko.getFileName().toString();
        if (f.endsWith(XZ)) {
            f = f.substring(0, f.length() - ".xz".length());
        }
        return f.substring(0, f.length() - ".ko".length()).replace('-', '_');
    }

    /** A module's ELF image as the kernel loads it: the file, or its content decompressed when it is {@code .ko.xz}. */
    static byte[] content(Path ko) throws IOException {
        if (!ko.getFileName().toString().endsWith(XZ)) {
            return Files.readAllBytes(ko);
        }
        try (InputStream in = new XZInputStream(new BufferedInputStream(Files.newInputStream(ko)))) {
            return in.readAllBytes();
        } catch (XZIOException e) {
            throw new IOException(ko + " is not a valid xz file: " + e.getMessage(), e);
        }
    }

    private static Elf elf(Path ko) throws IOException {
        return Elf.read(ko.toString(), content(ko));
    }

    private static List<String> depends(Elf elf) {
        String d = elf.modinfo().getOrDefault("depends", "");
        // modpost writes the names as files have them (crc-itu-t); the kernel knows them with underscores.
        return d.isBlank()
                ? List.of()
                : Arrays.stream(d.strip().split(","))
                        .map(n -> n.strip().replace('-', '_'))
                        .filter(n -> !n.isEmpty())
                        .toList();
    }
}
