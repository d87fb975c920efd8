package dev.kforge.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The boundaries docs/architecture.md draws, checked on the compiled main classes of every module:
 * data flows from the CLI through core to the adapters' ports, and each third-party library stays
 * in the one package that owns it.
 */
class ArchitectureTest {

    /** One package per adapter module. */
    static final List<String> ADAPTERS = List.of(
            "dev.kforge.kbuild..", "dev.kforge.debian..", "dev.kforge.rust..", "dev.kforge.qemu..", "dev.kforge.pkg..");

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.kforge");

    @Test
    void theClassesAreThere() {
        // A rule over no classes passes: make sure every module was imported.
        for (String p : Stream.concat(ADAPTERS.stream(), Stream.of("dev.kforge.core..", "dev.kforge.cli.."))
                .toList()) {
            String name = p.substring(0, p.length() - 2);
            assertThat(MAIN.stream().anyMatch(c -> c.getPackageName().startsWith(name)))
                    .as(name)
                    .isTrue();
        }
    }

    @Test
    void coreImportsNoAdapterAndNotTheCli() {
        String[] outside =
                Stream.concat(ADAPTERS.stream(), Stream.of("dev.kforge.cli..")).toArray(String[]::new);
        noClasses()
                .that()
                .resideInAPackage("dev.kforge.core..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(outside)
                .because("core defines the ports; adapters implement them (docs/architecture.md)")
                .check(MAIN);
    }

    static Stream<String> adapters() {
        return ADAPTERS.stream();
    }

    @ParameterizedTest
    @MethodSource("adapters")
    void noAdapterImportsAnotherOrTheCli(String adapter) {
        String[] others = Stream.concat(
                        ADAPTERS.stream().filter(a -> !a.equals(adapter)), Stream.of("dev.kforge.cli.."))
                .toArray(String[]::new);
        noClasses()
                .that()
                .resideInAPackage(adapter)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(others)
                .because("adapters meet only in core's ports, wired by the cli's composition root")
                .check(MAIN);
    }

    @Test
    void onlyTheManifestPackageImportsTheTomlLibrary() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.kforge.core.manifest..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.tomlj..")
                .check(MAIN);
    }

    @Test
    void onlyTheJsonPackageImportsJackson() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.kforge.core.json..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("com.fasterxml.jackson..")
                .check(MAIN);
    }

    @Test
    void onlyTheCliImportsPicocli() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.kforge.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("picocli..")
                .check(MAIN);
    }

    @Test
    void onlyTheGuestsModuleReaderImportsTheXzLibrary() {
        noClasses()
                .that()
                .doNotHaveFullyQualifiedName("dev.kforge.qemu.GuestModules")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.tukaani.xz..")
                .check(MAIN);
    }

    @Test
    void onlyThePackageAdapterImportsTheArchiveLibrary() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.kforge.pkg..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.apache.commons.compress..")
                .because("packages (ar, tar, gzip) are the package adapter's business")
                .check(MAIN);
    }
}
