package io.ratewarden.spring.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

/**
 * The keys a limit takes under {@code ratewarden.limits.<name>.}, and the check that fails the start
 * on any other: Boot's binder ignores an unknown key, so a typo ({@code .permit=5}) would leave a
 * limit silently at its code's value. Reads every property source, in any form Boot binds
 * ({@code ratewarden.limits.quotes.permits}, {@code RATEWARDEN_LIMITS_QUOTES_PERMITS}, ...).
 */
final class LimitPropertyNames {

    private static final ConfigurationPropertyName LIMITS = ConfigurationPropertyName.of("ratewarden.limits");
    private static final Set<String> LIMIT_KEYS = Set.of("permits", "window", "shadow", "tiers");
    private static final Set<String> TIER_KEYS = Set.of("permits", "window");

    private LimitPropertyNames() {
    }

    /**
     * Fails when a property under {@code ratewarden.limits.} is not one a limit takes.
     *
     * @throws RatewardenStartupException naming every unknown property
     */
    static void requireKnown(Environment environment) {
        Set<String> unknown = new TreeSet<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (source instanceof IterableConfigurationPropertySource iterable) {
                iterable.stream().filter(LIMITS::isAncestorOf).filter(name -> !known(name))
                        .forEach(name -> unknown.add(name.toString()));
            }
        }
        if (!unknown.isEmpty()) {
            throw new RatewardenStartupException("Unknown Ratewarden limit properties: " + String.join(", ", unknown)
                    + ". A limit takes ratewarden.limits.<name>.permits, .window, .shadow and"
                    + " .tiers.<tier>.permits, .tiers.<tier>.window.",
                    "Correct or remove " + (unknown.size() == 1 ? "that property" : "those properties")
                            + " (a limit whose name holds dots is written ratewarden.limits[<name>].permits).");
        }
    }

    /** Whether {@code name}, below {@code ratewarden.limits}, is a limit's known key. */
    private static boolean known(ConfigurationPropertyName name) {
        List<String> rest = new ArrayList<>();
        for (int i = LIMITS.getNumberOfElements(); i < name.getNumberOfElements(); i++) {
            rest.add(name.getElement(i, ConfigurationPropertyName.Form.UNIFORM));
        }
        // rest: <limit>, <key>[, <tier>, <tier key>]
        if (rest.size() < 2) {
            return false; // a value on the limit's name itself
        }
        String key = rest.get(1);
        if (rest.size() == 2) {
            return LIMIT_KEYS.contains(key) && !key.equals("tiers");
        }
        return key.equals("tiers") && rest.size() == 4 && TIER_KEYS.contains(rest.get(3));
    }
}
