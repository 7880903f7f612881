package dev.dispatcher.config;

import java.util.Locale;

/** The one rule for enum spellings in the file: lower case, words joined by '-'. */
final class ConfigNames {
    private ConfigNames() {
    }

    static String of(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
