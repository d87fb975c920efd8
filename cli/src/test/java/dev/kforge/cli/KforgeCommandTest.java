package dev.kforge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kforge.core.exec.LocalProcessRunner;
import dev.kforge.core.exec.ProcessRunner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KforgeCommandTest {

    static Context context() {
        return new Context(Map.of(), new LocalProcessRunner(), Path.of("").toAbsolutePath());
    }

    @Test
    void theSubcommandIsFoundPastGlobalOptionsAndTheirValues() {
        assertThat(KforgeCommand.subcommandName(
                        new String[] {"--cache-dir", "build", "-q", "plan", "--format", "json"}))
                .contains("plan");
        assertThat(KforgeCommand.subcommandName(new String[] {"-v", "build", "hello/*"}))
                .contains("build");
        assertThat(KforgeCommand.subcommandName(new String[] {"--version"})).isEmpty();
        assertThat(KforgeCommand.subcommandName(new String[] {"help", "build"})).isEmpty();
        assertThat(KforgeCommand.subcommandName(new String[] {"biuld"})).isEmpty();
    }

    @Test
    void onlyTheNamedSubcommandIsBuiltAndEveryOtherCaseGetsThemAll() {
        var one = KforgeCommand.commandLine(context(), new String[] {"--rustc", "/x", "build", "-j", "2"});
        assertThat(one.getSubcommands().keySet()).containsExactly("build");
        var all = KforgeCommand.commandLine(context(), new String[] {"--help"});
        assertThat(all.getSubcommands().keySet())
                .contains("plan", "build", "test", "keygen", "completion", "help")
                .hasSize(16);
        assertThat(KforgeCommand.commandLine(context(), new String[] {"biuld"}).getSubcommands())
                .hasSize(16);
        assertThat(KforgeCommand.commandLine(context(), new String[] {"--version"})
                        .getSubcommands())
                .isEmpty();
        assertThat(KforgeCommand.commandLine(context(), new String[0]).getSubcommands())
                .hasSize(16);
    }

    @Test
    void everySubcommandPrintsItsOwnHelpWithTheHintsOption() {
        // Error messages say "kforge build --help lists the options": it must.
        for (String sub : KforgeCommand.commandLine(context(), new String[0])
                .getSubcommands()
                .keySet()) {
            if (sub.equals("help")) {
                continue;
            }
            for (String flag : new String[] {"--help", "-h"}) {
                String[] args = {sub, flag};
                var cl = KforgeCommand.commandLine(context(), args);
                StringWriter out = new StringWriter();
                StringWriter err = new StringWriter();
                cl.setOut(new PrintWriter(out));
                cl.setErr(new PrintWriter(err));
                assertThat(cl.execute(args)).as(sub + " " + flag + ": " + err).isZero();
                assertThat(out.toString()).as(sub).startsWith("Usage: kforge " + sub);
            }
        }
    }

    @Test
    void aWorkspaceOutsideGitGetsCommitTimeZeroWithoutRunningGit(@TempDir Path dir) throws Exception {
        Path ws = Files.createDirectories(dir.resolve("a/b"));
        assertThat(Context.inGitCheckout(ws)).isFalse();
        List<List<String>> ran = new ArrayList<>();
        ProcessRunner recording = spec -> {
            ran.add(spec.argv());
            return new LocalProcessRunner().run(spec);
        };
        assertThat(new Context(Map.of(), recording, ws).lastCommitTime(ws)).isZero();
        assertThat(ran).isEmpty();
        Files.createDirectories(dir.resolve("a/.git"));
        assertThat(Context.inGitCheckout(ws)).isTrue();
    }
}
