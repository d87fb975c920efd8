package dev.kforge.core.plan;

import java.util.List;
import java.util.Map;

/** Checks a kernel .config against the CONFIG_ options a driver requires. */
public final class ConfigCheck {

    private ConfigCheck() {}

    /** The required options that are not =y or =m in {@code config}, in the order given. */
    public static List<String> missing(Map<String, String> config, List<String> requires) {
        return requires.stream()
                .filter(opt -> {
                    String v = config.get(opt);
                    return !"y".equals(v) && !"m".equals(v);
                })
                .toList();
    }
}
