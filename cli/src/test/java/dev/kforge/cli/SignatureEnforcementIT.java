package dev.kforge.cli;

import static dev.kforge.cli.ItSupport.cells;
import static dev.kforge.cli.ItSupport.kforge;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.TestWorkspace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof that signing works: a 6.1 kernel kforge builds with CONFIG_MODULE_SIG_FORCE and the
 * test certificate in CONFIG_SYSTEM_TRUSTED_KEYS boots under QEMU, loads the module kforge signed,
 * and refuses the unsigned one and one signed with another key, with the kernel's messages in the
 * test report.
 */
class SignatureEnforcementIT {

    static final String CELL = "hello/v6.1-enforcing/x86_64-gcc";

    @TempDir
    Path dir;

    void manifest(TestWorkspace t, String signing) {
        t.manifest(signing + """

                [[kernel]]
                name = "v6.1-enforcing"
                source = "/usr/src/linux-source-6.1.tar.xz"
                config = "tinyconfig"
                fragments = ["configs/modules.config"]
                boot = true
                module_sig_force = true
                system_trusted_keys = "keys/trusted/module.crt"
                [[driver]]
                name = "hello"
                path = "drivers/hello"
                [[matrix]]
                arches = ["x86_64"]
                """);
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> test(ItSupport.Run run) {
        assertThat(run.out()).as(run.err()).contains("1 cells: ");
        return (Map<String, Object>) cells(dir.resolve("out")).get(CELL).get("test");
    }

    @Test
    void anEnforcingKernelLoadsTheSignedModuleAndRefusesUnsignedAndForeignOnes() throws Exception {
        TestWorkspace t = new TestWorkspace(dir)
                .write("drivers/hello/Kbuild", "obj-m += hello.o\n")
                .write("drivers/hello/hello.c", """
                        #include <linux/module.h>
                        static int __init hello_init(void)
                        {
                        	pr_info("kforge-signed-hello: init\\n");
                        	return 0;
                        }
                        static void __exit hello_exit(void)
                        {
                        }
                        module_init(hello_init);
                        module_exit(hello_exit);
                        MODULE_LICENSE("GPL");
                        """)
                .write(
                        "configs/modules.config",
                        Files.readString(ItSupport.repo().resolve("examples/configs/modules.config")));
        // The pairs are kept across runs (the trusted certificate is built into the kernel, so it keys its tree).
        for (String k : new String[] {"trusted", "other"}) {
            Path kept = ItSupport.keptKeys("signature-enforcement-" + k, "kforge " + k);
            Files.createDirectories(dir.resolve("keys/" + k));
            for (String f : new String[] {"module.key", "module.crt", "module.der"}) {
                Files.copy(kept.resolve(f), dir.resolve("keys/" + k).resolve(f), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }

        // Signed with the key whose certificate the kernel trusts: loads.
        manifest(t, "[signing]\nkey = \"keys/trusted/module.key\"\ncert = \"keys/trusted/module.crt\"\n");
        ItSupport.Run trusted = kforge(dir, "test");
        Map<String, Object> ok = test(trusted);
        assertThat(trusted.code()).as(trusted.err() + trusted.out()).isZero();
        assertThat(ok.get("status")).as(ok.toString()).isIn("passed", "cached");
        assertThat(ExamplesBuildIT.modinfo("signer", dir.resolve("out/v6.1-enforcing/x86_64-gcc/hello/hello.ko")))
                .isEqualTo("kforge trusted");
        if (ok.get("status").equals("passed")) {
            assertThat(Files.readString(dir.resolve("out/v6.1-enforcing/x86_64-gcc/hello/test.log")))
                    .contains("kforge-signed-hello: init")
                    .doesNotContain("module verification failed");
        }

        // Signed with a key the kernel does not trust: refused, with the kernel's reason.
        manifest(t, "[signing]\nkey = \"keys/other/module.key\"\ncert = \"keys/other/module.crt\"\n");
        ItSupport.Run other = kforge(dir, "test", "--junit", "junit.xml");
        Map<String, Object> foreign = test(other);
        assertThat(other.code()).isEqualTo(1);
        assertThat(foreign).containsEntry("status", "failed");
        assertThat((String) foreign.get("message"))
                .startsWith("insmod hello failed")
                .contains("Key was rejected by service");
        assertThat(other.out()).contains("1 test: 1 failed");
        assertThat(Files.readString(dir.resolve("junit.xml")))
                .contains("classname=\"hello.test\"")
                .contains("Key was rejected by service");

        // Unsigned (no [signing]): refused too.
        manifest(t, "");
        ItSupport.Run unsigned = kforge(dir, "test");
        Map<String, Object> none = test(unsigned);
        assertThat(unsigned.code()).isEqualTo(1);
        assertThat(none).containsEntry("status", "failed");
        assertThat((String) none.get("message")).contains("Key was rejected by service");
        assertThat((String) none.get("kernelMessages")).containsIgnoringCase("unsigned module");
    }
}
