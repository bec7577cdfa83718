package io.ratewarden.internal.settings;

import io.ratewarden.FailurePolicy;
import io.ratewarden.FallbackShare;
import io.ratewarden.RedisAlgorithm;
import java.time.Duration;
import java.util.Locale;

/**
 * How a setting's text becomes its value, for every textual source alike (system properties,
 * environment variables, Spring Boot's properties, {@code RatewardenBuilder.configure}). Each
 * parser names the setting in its error and never shows the value it could not read: a value that
 * cannot be parsed cannot be masked, and a misplaced secret must not reach a log through the
 * error. Not part of the API.
 */
public final class SettingValues {

    private SettingValues() {
    }

    /**
     * Reads a whole number; {@code _} may group digits.
     *
     * @param setting the setting's name, for the error
     * @param value the text
     * @return the number
     * @throws IllegalArgumentException naming the setting
     */
    public static long parseLong(String setting, String value) {
        try {
            return Long.parseLong(value.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting + ": expected a whole number" + shown(value));
        }
    }

    /**
     * Reads a duration: {@code 500ms}, {@code 10s}, {@code 1m}, {@code 1h}, {@code 1d}, a bare
     * number of milliseconds, or ISO-8601 ({@code PT0.5S}, {@code P1D}).
     *
     * @param setting the setting's name, for the error
     * @param value the text
     * @return the duration
     * @throws IllegalArgumentException naming the setting
     */
    public static Duration parseDuration(String setting, String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (text.startsWith("p")) {
                return Duration.parse(text.toUpperCase(Locale.ROOT));
            }
            if (text.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2).trim()));
            }
            char unit = text.charAt(text.length() - 1);
            if (Character.isDigit(unit)) {
                return Duration.ofMillis(Long.parseLong(text));
            }
            long amount = Long.parseLong(text.substring(0, text.length() - 1).trim());
            return switch (unit) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                case 'd' -> Duration.ofDays(amount);
                default -> throw new IllegalArgumentException("no such unit");
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(setting + ": expected a duration such as 500ms, 10s, 1m, 1h, 1d or"
                    + " PT2S" + shown(value));
        }
    }

    /**
     * Reads what {@link FallbackShare#parse(String)} does.
     *
     * @param setting the setting's name, for the error
     * @param value the text
     * @return the share
     * @throws IllegalArgumentException naming the setting
     */
    public static FallbackShare parseShare(String setting, String value) {
        try {
            return FallbackShare.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": " + e.getMessage() + shown(value));
        }
    }

    /**
     * Reads {@code true} or {@code false}, in any case.
     *
     * @param setting the setting's name, for the error
     * @param value the text
     * @return the value
     * @throws IllegalArgumentException naming the setting
     */
    public static boolean parseBoolean(String setting, String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw new IllegalArgumentException(setting + ": expected true or false" + shown(value));
    }

    /**
     * Reads a failure policy other than {@code DEFAULT}, in any case.
     *
     * @param setting the setting's name, for the error
     * @param value the text
     * @return the policy
     * @throws IllegalArgumentException naming the setting
     */
    public static FailurePolicy parsePolicy(String setting, String value) {
        String text = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            FailurePolicy policy = FailurePolicy.valueOf(text);
            if (policy != FailurePolicy.DEFAULT) {
                return policy;
            }
        } catch (IllegalArgumentException e) {
            // named below
        }
        throw new IllegalArgumentException(setting + ": expected one of FALLBACK_LOCAL, ALLOW, REJECT" + shown(value));
    }

    /**
     * Reads a Redis algorithm, in any case, {@code -} for {@code _}.
     *
     * @param setting the setting's name, for the error
     * @param value the text
     * @return the algorithm
     * @throws IllegalArgumentException naming the setting
     */
    public static RedisAlgorithm parseAlgorithm(String setting, String value) {
        try {
            return RedisAlgorithm.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": expected one of RRATE_LIMITER, COMPACT" + shown(value));
        }
    }

    /**
     * What an error shows of a value it could not parse: its length only.
     *
     * @param value the value
     * @return the text to append to the error
     */
    public static String shown(String value) {
        return ", was a value of " + value.length() + " characters (not shown)";
    }
}
