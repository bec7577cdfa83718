package io.ratewarden.internal.settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads an instance's settings from the environment and hands them to the one table of settings
 * ({@link SettingsTable}), into a {@link SettingsDraft}. Not part of the API.
 *
 * <p>Precedence, one rule for every setting: the system property {@code ratewarden.<setting>},
 * else the environment variable {@code RATEWARDEN_<SETTING>}; and {@code REDIS_URL} only when
 * neither names a Redis ({@code redisUrl} or {@code redissonYaml}). Setting both {@code redisUrl}
 * and {@code redissonYaml} is an error, whatever their sources. An unknown
 * {@code ratewarden.*} system property is reported once at INFO and ignored; environment variables
 * that are not settings are ignored.
 */
public final class EnvironmentSettings {

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.config");

    private EnvironmentSettings() {
    }

    /** One setting: as its source names it (for errors), its key, its text. */
    private record Setting(String source, String key, String value) {
    }

    /**
     * Applies every setting present in {@code env} or {@code properties} to {@code draft}.
     *
     * @param draft the settings to write
     * @param env the environment variables
     * @param properties the system properties
     * @throws IllegalArgumentException naming the setting whose value is malformed
     */
    public static void applyTo(SettingsDraft draft, Map<String, String> env, Properties properties) {
        Map<String, Setting> settings = new LinkedHashMap<>(); // by the setting's relaxed name
        env.forEach((variable, value) -> {
            if (variable.startsWith("RATEWARDEN_") && value != null && !value.isBlank()) {
                String key = variable.substring("RATEWARDEN_".length());
                if (SettingsTable.knows(key)) {
                    settings.put(relaxed(key), new Setting(variable, key, value));
                }
            }
        });
        List<String> unknown = new ArrayList<>();
        for (String property : properties.stringPropertyNames()) {
            String value = properties.getProperty(property);
            if (property.startsWith("ratewarden.") && value != null && !value.isBlank()) {
                String key = property.substring("ratewarden.".length());
                if (SettingsTable.knows(key)) {
                    settings.put(relaxed(key), new Setting(property, key, value));
                } else {
                    unknown.add(property);
                }
            }
        }
        if (!unknown.isEmpty()) {
            LOG.info("Ignored system properties that are not Ratewarden settings: {}", unknown);
        }
        String redisUrl = env.get("REDIS_URL");
        if (!settings.containsKey("redisurl") && !settings.containsKey("redissonyaml")
                && redisUrl != null && !redisUrl.isBlank()) {
            settings.put("redisurl", new Setting("REDIS_URL", "redisUrl", redisUrl));
        }
        Setting url = settings.get("redisurl");
        Setting yaml = settings.get("redissonyaml");
        if (url != null && yaml != null) {
            throw new IllegalArgumentException(url.source() + " and " + yaml.source()
                    + " are both set: set one of them");
        }
        for (Setting setting : settings.values()) {
            try {
                SettingsTable.apply(draft, setting.key(), setting.key(), setting.value());
            } catch (IllegalArgumentException e) {
                String message = String.valueOf(e.getMessage());
                String reason = message.startsWith(setting.key() + ": ")
                        ? message.substring(setting.key().length() + 2) : message;
                throw new IllegalArgumentException(setting.source() + ": " + reason, e);
            }
        }
    }

    /**
     * The environment holds limits in their environment form ({@code LIMITS_API_V1_PERMITS}): a
     * limit's setting is kept by its full name, every other one by its relaxed name, so that a
     * property and a variable of one setting meet.
     */
    private static String relaxed(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (lower.startsWith("limits.") || lower.startsWith("limits_")) {
            return "limits." + key.substring(7).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        }
        return lower.replace("-", "").replace("_", "");
    }
}
