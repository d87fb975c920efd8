package dev.kforge.cli;

import dev.kforge.core.KforgeException;
import dev.kforge.core.service.Services;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The top-level {@code kforge} command: global options and the subcommands. */
@Command(
        name = "kforge",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT, // every subcommand has -h/--help (and -V) too
        versionProvider = KforgeCommand.Version.class,
        description = "Builds Linux kernel leaf drivers (out-of-tree modules, C and Rust) for many kernels, "
                + "architectures and toolchains from one kforge.toml.",
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  success",
            "  1  build failure (a compiler or Kbuild said no)",
            "  2  usage or manifest error",
            "  3  environment: missing tool, kernel or unwritable directory",
            "  4  internal error (a bug in kforge)",
            "  130 interrupted (143 on SIGTERM)"
        })
final class KforgeCommand implements Runnable {

    final Context context;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--cache-dir",
            paramLabel = "DIR",
            scope = CommandLine.ScopeType.INHERIT,
            description = "Cache for extracted sources and prepared trees (default: $KFORGE_CACHE_DIR, "
                    + "$XDG_CACHE_HOME/kforge, ~/.cache/kforge).")
    Path cacheDir;

    @Option(
            names = {"-q", "--quiet"},
            scope = CommandLine.ScopeType.INHERIT,
            description = "Print only errors and the result.")
    boolean quiet;

    @Option(
            names = {"-v", "--verbose"},
            scope = CommandLine.ScopeType.INHERIT,
            description = "Print every diagnostic and internal details of errors.")
    boolean verbose;

    KforgeCommand(Context context) {
        this.context = context;
    }

    Optional<Path> cacheDir() {
        return Optional.ofNullable(cacheDir);
    }

    @Option(
            names = "--rustc",
            paramLabel = "PATH",
            scope = CommandLine.ScopeType.INHERIT,
            description = "A rustc to consider first for Rust drivers (also $KFORGE_RUSTC); it needs rust-src.")
    Path rustc;

    Services services() {
        return context.services(cacheDir(), Optional.ofNullable(rustc));
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** A configured command line; tests call execute on it with their own writers. */
    /** The subcommands, in the order help lists them. */
    private static final List<Class<?>> SUBCOMMANDS = List.of(
            PlanCommand.class,
            BuildCommand.class,
            TestCommand.class,
            PackageCommand.class,
            ExplainCommand.class,
            IdeCommand.class,
            VerifyCommand.class,
            CacheCommand.class,
            GatherCommand.class,
            DoctorCommand.class,
            KernelsCommand.class,
            InitCommand.class,
            KeygenCommand.class,
            ListCommand.class,
            CompletionCommand.class,
            CommandLine.HelpCommand.class);

    /** Global options that take a value (they may stand before the subcommand's name). */
    private static final Set<String> VALUED = Set.of("--cache-dir", "--rustc");

    static CommandLine commandLine(Context context) {
        return commandLine(context, new String[0]);
    }

    /**
     * The command line for {@code args}. picocli builds each subcommand's model by reflection when it
     * is added, so when the arguments name one subcommand only that one is added (about a third of
     * start-up), {@code --version} alone gets none; help, completion and unknown names get them all.
     */
    static CommandLine commandLine(Context context, String[] args) {
        KforgeCommand root = new KforgeCommand(context);
        CommandLine cl = new CommandLine(root);
        Optional<String> named = subcommandName(args);
        boolean versionOnly = named.isEmpty()
                && args.length > 0
                && Arrays.stream(args)
                        .allMatch(a -> a.equals("--version") || a.equals("-V") || a.equals("-q") || a.equals("-v"));
        for (Class<?> c : SUBCOMMANDS) {
            String name = c == CommandLine.HelpCommand.class
                    ? "help"
                    : c.getAnnotation(Command.class).name();
            if (!versionOnly && (named.isEmpty() || named.get().equals(name))) {
                cl.addSubcommand(c);
            }
        }
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> handle(ex, cmd, root));
        cl.setParameterExceptionHandler((ex, unmatched) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("kforge: error: " + ex.getMessage());
            err.println("  hint: kforge "
                    + (ex.getCommandLine() == cl ? "" : ex.getCommandLine().getCommandName() + " ")
                    + "--help lists the options");
            err.flush();
            return 2;
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionStrategy(parsed -> {
            if (root.quiet && root.verbose) {
                CommandLine sub = parsed.subcommand() == null
                        ? cl
                        : parsed.subcommand().commandSpec().commandLine();
                throw new CommandLine.ParameterException(sub, "-q and -v cannot be used together");
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        return cl;
    }

    /** The first argument that is not a global option, when it names a subcommand other than help. */
    static Optional<String> subcommandName(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                return Optional.empty();
            }
            if (a.startsWith("-")) {
                if (VALUED.contains(a)) {
                    i++;
                }
                continue;
            }
            boolean known = SUBCOMMANDS.stream()
                    .anyMatch(c -> c != CommandLine.HelpCommand.class
                            && c.getAnnotation(Command.class).name().equals(a));
            return known ? Optional.of(a) : Optional.empty();
        }
        return Optional.empty();
    }

    private static int handle(Exception ex, CommandLine cmd, KforgeCommand root) {
        PrintWriter err = cmd.getErr();
        if (ex instanceof KforgeException k) {
            err.println("kforge: error: " + k.getMessage());
            if (!k.hint().isEmpty()) {
                err.println("  hint: " + k.hint());
            }
            if (root.verbose && k.getCause() != null) {
                k.printStackTrace(err);
            }
            err.flush();
            return k.kind().exitCode();
        }
        err.println("kforge: internal error: " + ex);
        err.println("  hint: this is a bug in kforge; rerun with -v and report the output");
        if (root.verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return KforgeException.Kind.INTERNAL.exitCode();
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = KforgeCommand.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"kforge " + p.getProperty("version", "unknown"), "Java " + Runtime.version()};
        }
    }
}
