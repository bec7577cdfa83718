package io.ratewarden;

import io.ratewarden.internal.settings.EnvironmentSettings;
import java.util.Map;
import java.util.Properties;

/** A builder configured from a given environment and system properties, as {@link Ratewarden#fromEnvironment()} reads them. */
public final class EnvironmentBuilders {

    private EnvironmentBuilders() {
    }

    /** Applies {@code env} and {@code properties} to {@code builder} and returns it. */
    public static RatewardenBuilder applyTo(RatewardenBuilder builder, Map<String, String> env, Properties properties) {
        EnvironmentSettings.applyTo(builder.draft(), env, properties);
        return builder;
    }
}
