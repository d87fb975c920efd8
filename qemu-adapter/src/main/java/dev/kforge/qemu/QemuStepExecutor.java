package dev.kforge.qemu;

import dev.kforge.core.KforgeException;
import dev.kforge.core.exec.Artifacts;
import dev.kforge.core.exec.Diagnostic;
import dev.kforge.core.exec.ProcessResult;
import dev.kforge.core.exec.ProcessRunner;
import dev.kforge.core.exec.ProcessSpec;
import dev.kforge.core.exec.StepContext;
import dev.kforge.core.exec.StepExecutor;
import dev.kforge.core.exec.StepResult;
import dev.kforge.core.exec.StepStatus;
import dev.kforge.core.fs.Staging;
import dev.kforge.core.plan.Roots;
import dev.kforge.core.plan.Step;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Runs TEST steps: puts the modules in load order, packs the initramfs, boots QEMU in its own
 * process group under the test's timeout (killed with every child when it passes, or on Ctrl-C),
 * writes the guest's console to the cell's test.log (whole, by rename) and judges it.
 */
public final class QemuStepExecutor implements StepExecutor {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Roots roots;
    private final ProcessRunner runner;
    private final Optional<Duration> stepTimeout;
    private final Accelerator accelerator;

    /**
     * @param stepTimeout --step-timeout: a test's own timeout applies too, the tighter wins
     */
    public QemuStepExecutor(
            Roots roots, ProcessRunner runner, Optional<Duration> stepTimeout, Accelerator accelerator) {
        this.roots = roots;
        this.runner = runner;
        this.stepTimeout = stepTimeout;
        this.accelerator = accelerator;
    }

    @Override
    public StepResult execute(Step step, StepContext context) throws InterruptedException {
        long start = System.nanoTime();
        try {
            return run(step, start);
        } catch (IOException e) {
            throw KforgeException.environment(step.id() + ": " + e.getMessage(), "check free space and permissions");
        }
    }

    private StepResult run(Step step, long start) throws IOException, InterruptedException {
        Path log = roots.path(step.attribute("testLog"));
        List<GuestModules.DriverModules> drivers = new ArrayList<>();
        for (String d : step.attribute("load").split(",")) {
            drivers.add(new GuestModules.DriverModules(
                    d, roots.path(step.attribute("load." + d + ".dir")), step.attribute("load." + d + ".params")));
        }
        Path kernelModules = roots.path(step.attribute("kernelModules"));
        List<GuestModules.Module> modules;
        try {
            modules = GuestModules.resolve(drivers, Optional.of(kernelModules).filter(Files::isDirectory));
        } catch (GuestModules.Refused e) {
            return result(step, StepStatus.FAILED, start, e.getMessage(), List.of(), Map.of());
        }
        Path initramfs = roots.path(step.attribute("initramfs"));
        Optional<String> script = Optional.ofNullable(step.attributes().get("script"))
                .map(roots::path)
                .map(p -> "/kforge/test/" + p.getFileName());
        String nonce = nonce();
        writeInitramfs(step, modules, script, initramfs, nonce);

        long timeoutSeconds = Long.parseLong(step.attribute("timeoutSeconds"));
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        if (stepTimeout.isPresent() && stepTimeout.get().compareTo(timeout) < 0) {
            timeout = stepTimeout.get();
        }
        List<String> argv = commandLine(step, roots, accelerator);
        Files.createDirectories(log.getParent());
        // Named for this process: what a killed run leaves is removed by the next build's sweep of out/.
        Path console = log.resolveSibling(Staging.owned("." + log.getFileName() + ".tmp-") + "console");
        Files.deleteIfExists(console);
        try {
            return boot(step, start, argv, console, log, timeout, modules, script, nonce);
        } finally {
            Files.deleteIfExists(console); // interrupted or failed to start: no half-written console stays behind
        }
    }

    private StepResult boot(
            Step step,
            long start,
            List<String> argv,
            Path console,
            Path log,
            Duration timeout,
            List<GuestModules.Module> modules,
            Optional<String> script,
            String nonce)
            throws IOException, InterruptedException {
        ProcessResult r;
        try {
            r = runner.run(new ProcessSpec(
                    argv, new TreeMap<>(), roots.path(step.cwd()), Optional.of(console), Optional.of(timeout)));
        } catch (IOException e) {
            throw KforgeException.environment(
                    step.id() + ": cannot run " + argv.get(0) + ": " + e.getMessage(),
                    "install QEMU (scripts/install-deps installs qemu-system-x86, qemu-system-arm, qemu-system-misc)");
        }
        List<String> names = modules.stream().map(GuestModules.Module::name).toList();
        // Streamed: a guest that floods its console costs disk, not memory.
        Verdict.Judge judge = Verdict.Judge.reading(console, names, script.isPresent(), nonce);
        if (r.exitCode() == 127 || (judge.noKvm() && !r.timedOut())) {
            throw KforgeException.environment(
                    step.id() + ": " + argv.get(0) + " did not start: " + judge.lastLine(),
                    "kforge doctor checks QEMU; install the package that provides " + argv.get(0));
        }
        Verdict v = judge.verdict(r.timedOut(), timeout.toSeconds());
        Files.move(console, log, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        List<Diagnostic> diagnostics = v.problems().stream()
                .map(p -> new Diagnostic(Diagnostic.Severity.ERROR, "test.log", p.line(), 0, p.message()))
                .toList();
        Map<String, String> details = new TreeMap<>();
        details.put("log", log.toString());
        details.put("accel", accelerator.choose(step.attribute("arch")));
        details.put("modules", String.join(",", names));
        StepStatus status = v.passed() ? StepStatus.BUILT : r.timedOut() ? StepStatus.TIMED_OUT : StepStatus.FAILED;
        return result(step, status, start, v.message(), diagnostics, details)
                .with(Artifacts.kernelMessages(String.join("\n", tail(v.kernelMessages(), 200))));
    }

    /** The QEMU command line of a TEST step, resolved for this machine (the accelerator chosen). */
    public static List<String> commandLine(Step step, Roots roots, Accelerator accelerator) {
        String accel = accelerator.choose(step.attribute("arch"));
        List<String> argv = new ArrayList<>();
        for (String a : step.commands().get(0)) {
            argv.add(roots.resolve(a.replace(QemuStepPlanner.ACCEL, accel)));
        }
        int cpu = argv.indexOf("-cpu");
        if (accel.equals("tcg") && cpu >= 0 && step.attributes().containsKey("cpuTcg")) {
            argv.set(cpu + 1, step.attribute("cpuTcg"));
        }
        return argv;
    }

    /** A per-boot secret for /init's markers. */
    private static String nonce() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private void writeInitramfs(
            Step step, List<GuestModules.Module> modules, Optional<String> script, Path target, String nonce)
            throws IOException {
        Initramfs fs = new Initramfs();
        for (String d : List.of("bin", "dev", "proc", "sys", "tmp", "kforge", "kforge/modules")) {
            fs.dir(d);
        }
        fs.charDevice("dev/console", 5, 1);
        fs.file("bin/busybox", roots.path(step.attribute("busybox")), true);
        for (String applet : GuestInit.APPLETS) {
            fs.symlink("bin/" + applet, "busybox");
        }
        List<GuestInit.Module> load = new ArrayList<>();
        int i = 0;
        for (GuestModules.Module m : modules) {
            String file = String.format(Locale.ROOT, "kforge/modules/%02d-%s.ko", i++, m.name());
            fs.file(file, GuestModules.content(m.file()), false);
            load.add(new GuestInit.Module(m.name(), "/" + file, m.params()));
        }
        if (script.isPresent()) {
            fs.file(script.get().substring(1), roots.path(step.attribute("script")), true);
        }
        fs.file("init", GuestInit.script(load, script, nonce).getBytes(StandardCharsets.UTF_8), true);
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".initramfs", ".tmp");
        try {
            Files.write(tmp, fs.toGzip());
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static StepResult result(
            Step step,
            StepStatus status,
            long start,
            String message,
            List<Diagnostic> diagnostics,
            Map<String, String> details) {
        return new StepResult(
                step.id(),
                status,
                Duration.ofNanos(System.nanoTime() - start),
                message,
                diagnostics,
                new TreeMap<>(details));
    }

    private static List<String> tail(List<String> lines, int n) {
        return lines.size() <= n ? lines : lines.subList(lines.size() - n, lines.size());
    }
}
