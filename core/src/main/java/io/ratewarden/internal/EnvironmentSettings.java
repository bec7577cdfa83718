package io.ratewarden.internal;

import io.ratewarden.FailurePolicy;
import io.ratewarden.FallbackShare;
import io.ratewarden.Ratewarden;
import io.ratewarden.RedisAlgorithm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.BiConsumer;

/**
 * Maps the environment onto a {@link Ratewarden.Builder}: each setting is read from the system
 * property {@code ratewarden.<setting>}, else from the environment variable
 * {@code RATEWARDEN_<SETTING>} (upper snake case); {@code REDIS_URL} is read too, and any
 * {@code RATEWARDEN_REDIS_URL} or {@code ratewarden.redisUrl} overrides it. Not part of the API.
 */
public final class EnvironmentSettings {

    private EnvironmentSettings() {
    }

    /**
     * Applies every setting present in {@code env} or {@code properties} to {@code builder}.
     *
     * @param builder the builder to configure
     * @param env the environment variables
     * @param properties the system properties
     * @return {@code builder}
     * @throws IllegalArgumentException naming the setting whose value is malformed
     */
    public static Ratewarden.Builder applyTo(Ratewarden.Builder builder, Map<String, String> env,
                                             Properties properties) {
        Reader reader = new Reader(env, properties);
        String redisUrl = env.get("REDIS_URL");
        if (redisUrl != null && !redisUrl.isBlank()) {
            try {
                builder.redisUrl(redisUrl.trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("REDIS_URL: " + e.getMessage());
            }
        }
        reader.apply("redisUrl", (key, value) -> builder.redisUrl(value.trim()));
        reader.apply("redissonYaml", (key, value) -> builder.redissonYaml(Path.of(value.trim())));
        reader.apply("redisTimeout", (key, value) -> builder.redisTimeout(parseDuration(key, value)));
        reader.apply("probeInterval", (key, value) -> builder.probeInterval(parseDuration(key, value)));
        reader.apply("keyPrefix", (key, value) -> builder.keyPrefix(value));
        reader.apply("fallbackShare", (key, value) -> builder.fallbackShare(parseShare(key, value)));
        reader.apply("jmx", (key, value) -> builder.jmx(parseBoolean(key, value)));
        reader.apply("overLimitCache", (key, value) -> builder.overLimitCache(parseBoolean(key, value)));
        reader.apply("name", (key, value) -> builder.name(value.trim()));
        reader.apply("localMaxKeys", (key, value) -> builder.localMaxKeys(parseLong(key, value)));
        reader.apply("failurePolicy", (key, value) -> builder.failurePolicy(parseEnum(key, value)));
        reader.apply("redisAlgorithm", (key, value) -> builder.redisAlgorithm(parseAlgorithm(key, value)));
        reader.apply("startupWait", (key, value) -> builder.startupWait(parseDuration(key, value)));
        return builder;
    }

    static long parseLong(String setting, String value) {
        try {
            return Long.parseLong(value.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting + ": expected a whole number" + shown(value));
        }
    }

    /** Accepts {@code 250} or {@code 250ms} (milliseconds), {@code 2s}, or ISO-8601 ({@code PT2S}). */
    static Duration parseDuration(String setting, String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (text.startsWith("pt") || text.startsWith("p")) {
                return Duration.parse(text.toUpperCase(Locale.ROOT));
            }
            if (text.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2).trim()));
            }
            if (text.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1).trim()));
            }
            return Duration.ofMillis(Long.parseLong(text));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(setting + ": expected a duration such as 250ms, 2s or PT2S"
                    + shown(value));
        }
    }

    /** Accepts what {@link FallbackShare#parse(String)} does. */
    static FallbackShare parseShare(String setting, String value) {
        try {
            return FallbackShare.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": " + e.getMessage() + shown(value));
        }
    }

    static boolean parseBoolean(String setting, String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(setting + ": expected true or false" + shown(value));
    }

    static FailurePolicy parseEnum(String setting, String value) {
        try {
            return FailurePolicy.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": expected one of FALLBACK_LOCAL, ALLOW, REJECT"
                    + shown(value));
        }
    }

    static RedisAlgorithm parseAlgorithm(String setting, String value) {
        try {
            return RedisAlgorithm.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": expected one of RRATE_LIMITER, COMPACT" + shown(value));
        }
    }

    /**
     * What an error shows of a value it could not parse: its length only. A value that cannot be
     * parsed cannot be masked, and a misplaced secret (a URL or password in the wrong setting)
     * must not reach a log through the error.
     */
    static String shown(String value) {
        return ", was a value of " + value.length() + " characters (not shown)";
    }

    private static final class Reader {
        private final Map<String, String> env;
        private final Properties properties;

        Reader(Map<String, String> env, Properties properties) {
            this.env = env;
            this.properties = properties;
        }

        /** Calls {@code setter} with the setting's source name and value when it is present. */
        void apply(String setting, BiConsumer<String, String> setter) {
            String property = "ratewarden." + setting;
            String value = properties.getProperty(property);
            String source = property;
            if (value == null) {
                source = "RATEWARDEN_" + setting.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
                value = env.get(source);
            }
            if (value != null && !value.isBlank()) {
                try {
                    setter.accept(source, value);
                } catch (IllegalArgumentException e) {
                    String message = e.getMessage();
                    throw new IllegalArgumentException(message != null && message.startsWith(source)
                            ? message : source + ": " + message, e);
                }
            }
        }
    }
}
