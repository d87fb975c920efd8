package dev.kforge.cli;

/** Entry point: the only place that calls System.exit. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        Interrupts.install(Thread.currentThread());
        int code = KforgeCommand.commandLine(Context.system()).execute(args);
        System.out.flush();
        System.err.flush();
        System.exit(Interrupts.terminatedBy().orElse(code));
    }
}
