package dev.kforge.cli;

/** Entry point: the only place that calls System.exit. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        logLevel(args);
        Interrupts.install(Thread.currentThread());
        int code = KforgeCommand.commandLine(Context.system(), args).execute(args);
        System.out.flush();
        System.err.flush();
        System.exit(Interrupts.terminatedBy().orElse(code));
    }

    /**
     * slf4j-simple reads its level once, when the first logger is made: so it is set here, from
     * the arguments, before anything logs. -q leaves warnings and errors, -v adds debug lines.
     * An explicit -Dorg.slf4j.simpleLogger.defaultLogLevel wins.
     */
    static void logLevel(String[] args) {
        String level = "info";
        for (String a : args) {
            if (a.equals("--")) {
                break;
            }
            if (a.equals("-q") || a.equals("--quiet")) {
                level = "warn";
            } else if (a.equals("-v") || a.equals("--verbose")) {
                level = "debug";
            }
        }
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", level);
        }
    }
}
