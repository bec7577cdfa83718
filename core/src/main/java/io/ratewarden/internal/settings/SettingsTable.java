package io.ratewarden.internal.settings;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The one table from a setting's name to the builder's setter, used by every textual source:
 * system properties and environment variables ({@link EnvironmentSettings}), Spring Boot's
 * properties (the starter), and the builder's {@code configure}.
 *
 * <p>Names are relaxed: case, {@code -} and {@code _} do not matter ({@code redisUrl},
 * {@code redis-url}, {@code REDIS_URL} are one setting). Limits are
 * {@code limits.<name>.permits|window|shadow} and
 * {@code limits.<name>.tiers.<tier>.permits|window}, with {@code _} for {@code .} in an
 * environment variable (whose name and tier are then in their environment form, matched as
 * {@link ConfiguredLimit#environmentForm(String)} says). Every error names
 * the setting as its source spelled it, and never shows the value.
 */
public final class SettingsTable {

    /** A setting's text and the name its source gave it, for errors. */
    private record Text(String source, String value) {
    }

    private static final Map<String, BiConsumer<SettingsDraft, Text>> SETTINGS = Map.ofEntries(
            Map.entry("name", (b, t) -> b.name(t.value().trim())),
            Map.entry("redisurl", (b, t) -> b.redisUrl(t.value().trim())),
            Map.entry("redissonyaml", (b, t) -> b.redissonYaml(Path.of(t.value().trim()))),
            Map.entry("redistimeout", (b, t) -> b.redisTimeout(SettingValues.parseDuration(t.source(), t.value()))),
            Map.entry("probeinterval", (b, t) -> b.probeInterval(SettingValues.parseDuration(t.source(), t.value()))),
            Map.entry("startupwait", (b, t) -> b.startupWait(SettingValues.parseDuration(t.source(), t.value()))),
            Map.entry("overridewait", (b, t) -> b.overrideWait(SettingValues.parseDuration(t.source(), t.value()))),
            Map.entry("keyprefix", (b, t) -> b.keyPrefix(t.value())),
            Map.entry("fallbackshare", (b, t) -> b.fallbackShare(SettingValues.parseShare(t.source(), t.value()))),
            Map.entry("jmx", (b, t) -> b.jmx(SettingValues.parseBoolean(t.source(), t.value()))),
            Map.entry("overlimitcache", (b, t) -> b.overLimitCache(SettingValues.parseBoolean(t.source(), t.value()))),
            Map.entry("localmaxkeys", (b, t) -> b.localMaxKeys(SettingValues.parseLong(t.source(), t.value()))),
            Map.entry("failurepolicy", (b, t) -> b.failurePolicy(SettingValues.parsePolicy(t.source(), t.value()))),
            Map.entry("redisalgorithm", (b, t) ->
                    b.redisAlgorithm(SettingValues.parseAlgorithm(t.source(), t.value()))),
            Map.entry("shadow", (b, t) -> b.shadow(SettingValues.parseBoolean(t.source(), t.value()))),
            Map.entry("clockgranularity", (b, t) ->
                    b.clockGranularity(SettingValues.parseDuration(t.source(), t.value()))),
            Map.entry("coalesce", (b, t) -> b.coalesce(SettingValues.parseBoolean(t.source(), t.value()))),
            Map.entry("stacktraces", (b, t) -> b.stackTraces(SettingValues.parseBoolean(t.source(), t.value()))),
            Map.entry("reportremaining", (b, t) ->
                    b.reportRemaining(SettingValues.parseBoolean(t.source(), t.value()))));

    private SettingsTable() {
    }

    /** The setting's name with case, {@code -} and {@code _} ignored. */
    public static String normal(String key) {
        return key.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    /** Whether {@code key} names a setting this table knows. */
    public static boolean knows(String key) {
        return SETTINGS.containsKey(normal(key)) || limitSetting(key) != null;
    }

    /**
     * Applies one setting.
     *
     * @param builder the builder
     * @param source the setting as its source names it, for errors ({@code ratewarden.redisTimeout})
     * @param key the setting's key ({@code redisTimeout})
     * @param value its text
     * @throws IllegalArgumentException naming {@code source}: for an unknown setting or a value the
     *     setter rejects
     */
    public static void apply(SettingsDraft builder, String source, String key, String value) {
        BiConsumer<SettingsDraft, Text> setter = SETTINGS.get(normal(key));
        try {
            if (setter != null) {
                setter.accept(builder, new Text(source, value));
                return;
            }
            String[] limit = limitSetting(key);
            if (limit == null) {
                throw new IllegalArgumentException(source + ": not a Ratewarden setting");
            }
            builder.configureLimit(limit[0], limit[1], limit[2], source, value);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            throw new IllegalArgumentException(message != null && message.startsWith(source)
                    ? message : source + ": " + message, e);
        }
    }

    /**
     * Splits a limit's setting into its name, its tier ({@code null} for the limit's own) and its
     * attribute; {@code null} when {@code key} is not one.
     */
    /**
     * Applies every setting of {@code settings}, in the map's order, each named by its key.
     * Setting both {@code redisUrl} and {@code redissonYaml} is an error: they are two answers to
     * one question.
     *
     * @param draft where the settings go
     * @param settings the settings by name
     * @throws IllegalArgumentException naming the setting at fault
     */
    public static void applyAll(SettingsDraft draft, Map<String, String> settings) {
        String url = null;
        String yaml = null;
        for (String key : settings.keySet()) {
            String normal = normal(key);
            url = normal.equals("redisurl") ? key : url;
            yaml = normal.equals("redissonyaml") ? key : yaml;
        }
        if (url != null && yaml != null) {
            throw new IllegalArgumentException(url + " and " + yaml + " are both set: set one of them");
        }
        settings.forEach((key, value) -> apply(draft, key, key, value));
    }

    static String[] limitSetting(String key) {
        if (key.length() < 8 || !key.regionMatches(true, 0, "limits", 0, 6)) {
            return null;
        }
        char separator = key.charAt(6);
        if (separator != '.' && separator != '_') {
            return null;
        }
        String rest = key.substring(7);
        int last = rest.lastIndexOf(separator);
        if (last <= 0) {
            return null;
        }
        String attribute = normal(rest.substring(last + 1));
        String body = rest.substring(0, last);
        String tiers = separator + "tiers" + separator;
        int tierAt = body.toLowerCase(Locale.ROOT).lastIndexOf(tiers);
        if (tierAt > 0) {
            return new String[] {body.substring(0, tierAt), body.substring(tierAt + tiers.length()), attribute};
        }
        return new String[] {body, null, attribute};
    }
}
