package dev.kforge.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The training run for the application class-data archive (scripts/make-cds-archive): several
 * kforge command lines in one JVM, so the archive written at its exit holds the classes of each
 * (a build that plans and runs make, then the no-op that reuses the plan and every step). Command
 * lines are separated by {@code --then}. Exit codes are ignored: the classes are what counts.
 */
public final class CdsTraining {

    private CdsTraining() {}

    public static void main(String[] args) {
        Main.logLevel(args);
        List<List<String>> runs = new ArrayList<>(List.of(new ArrayList<>()));
        for (String a : args) {
            if (a.equals("--then")) {
                runs.add(new ArrayList<>());
            } else {
                runs.get(runs.size() - 1).add(a);
            }
        }
        for (List<String> run : runs) {
            String[] argv = run.toArray(String[]::new);
            KforgeCommand.commandLine(Context.system(), argv).execute(argv);
        }
        System.out.flush();
        System.err.flush();
    }
}
