package dev.kforge.core.kernel;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Natural order of kernel versions and package names: numbers compare as numbers, so 6.1.0-56 sorts after 6.1.0-9. */
public final class VersionOrder {

    private static final Pattern NUMBER = Pattern.compile("\\d+");

    private VersionOrder() {}

    /** A key whose string order is the natural order of {@code name}. */
    public static String key(String name) {
        Matcher m = NUMBER.matcher(name);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(
                    sb, String.format("%010d", Long.parseLong(m.group().length() > 10 ? "9999999999" : m.group())));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
