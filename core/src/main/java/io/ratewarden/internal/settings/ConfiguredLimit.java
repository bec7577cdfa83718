package io.ratewarden.internal.settings;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * What configuration says of one limit ({@code ratewarden.limits.<name>.*}) or of one of its
 * tiers ({@code ratewarden.limits.<name>.tiers.<tier>.*}): each part {@code null} when not
 * configured. Not part of the API.
 *
 * @param permits the permits per window, or {@code null}
 * @param window the window, or {@code null}
 * @param shadow whether the limit rejects nothing and counts what it would reject, or
 *     {@code null} (always {@code null} for a tier)
 * @param tiers the configured tiers by name, never {@code null} (empty for a tier)
 */
public record ConfiguredLimit(Long permits, Duration window, Boolean shadow, Map<String, ConfiguredLimit> tiers) {

    /** Nothing configured. */
    public static final ConfiguredLimit NONE = new ConfiguredLimit(null, null, null, Map.of());

    /**
     * Copies the tiers.
     *
     * @throws NullPointerException if {@code tiers} is {@code null}
     */
    public ConfiguredLimit {
        tiers = Map.copyOf(tiers);
    }

    /**
     * Returns the configured tier named {@code tier}: by its exact name, else by the form an
     * environment variable gives it ({@link #environmentForm(String)}); {@link #NONE} when none.
     *
     * @param tier the tier's name
     * @return the tier's configuration, never {@code null}
     */
    public ConfiguredLimit tier(String tier) {
        return find(tiers, tier);
    }

    /**
     * Returns the entry of {@code byName} for {@code name}: by the exact name, else by its
     * environment-variable form; {@link #NONE} when none.
     *
     * @param byName configured limits or tiers by name
     * @param name the name looked for
     * @return the configuration, never {@code null}
     */
    public static ConfiguredLimit find(Map<String, ConfiguredLimit> byName, String name) {
        ConfiguredLimit exact = byName.get(name);
        if (exact != null) {
            return exact;
        }
        ConfiguredLimit relaxed = byName.get(environmentForm(name));
        return relaxed != null ? relaxed : NONE;
    }

    /**
     * Returns {@code name} as an environment variable spells it: upper case, every character
     * other than a letter or a digit as {@code _} ({@code api.v1} as {@code API_V1}).
     *
     * @param name a limit's or a tier's name
     * @return its environment form
     */
    public static String environmentForm(String name) {
        return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }
}
