package io.ratewarden;

import io.ratewarden.internal.settings.ConfiguredLimit;
import io.ratewarden.internal.settings.EnvironmentSettings;
import io.ratewarden.internal.settings.SettingsDraft;
import io.ratewarden.internal.call.LimitedMethod;
import io.ratewarden.internal.settings.RatewardenSettings;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Checks {@link RateLimited} annotations without calling the methods, for a user's own tests:
 *
 * <pre>{@code
 * assertThat(RateLimitedValidator.validate(QuoteService.class, OrderService.class)).isEmpty();
 * }</pre>
 *
 * <p>It reports what would fail the first call of a method with an
 * {@link IllegalStateException}: negative permits, a window under a millisecond, a cost above the
 * permits, an unknown key or tier parameter or property, a missing or incompatible fallback
 * method, a resolver that cannot be instantiated, a limit name declared with different permits or
 * windows by the given classes, and a limit defined nowhere: permits left to configuration
 * ({@code permits = 0}) that configuration does not set, named as the property to set
 * ({@code ratewarden.limits.<name>.permits}). This class is thread-safe.
 */
public final class RateLimitedValidator {

    private RateLimitedValidator() {
    }

    /**
     * Returns every problem of the {@link RateLimited} annotations declared by {@code classes},
     * each naming the method and the attribute at fault; empty when all are valid.
     *
     * @param classes the classes to check
     * @return the problems, in a stable order
     */
    public static List<String> validate(Class<?>... classes) {
        SettingsDraft draft = new SettingsDraft();
        EnvironmentSettings.applyTo(draft, System.getenv(), System.getProperties());
        return validate(draft.settings(), classes);
    }

    /**
     * Returns every problem of the {@link RateLimited} annotations declared by {@code classes},
     * as {@link #validate(Class[])} does, with the configuration of {@code ratewarden} (the
     * instance the methods will use, from Spring Boot's properties, say) rather than the
     * environment's.
     *
     * @param ratewarden the instance whose configuration defines limits
     * @param classes the classes to check
     * @return the problems, in a stable order
     */
    public static List<String> validate(Ratewarden ratewarden, Class<?>... classes) {
        return validate(ratewarden.settings(), classes);
    }

    private static List<String> validate(RatewardenSettings settings, Class<?>... classes) {
        List<String> problems = new ArrayList<>();
        Map<String, String> definitions = new HashMap<>();
        for (Class<?> type : classes) {
            Method[] methods = type.getDeclaredMethods();
            Arrays.sort(methods, Comparator.comparing(Method::toGenericString));
            for (Method method : methods) {
                RateLimited[] annotations = method.getAnnotationsByType(RateLimited.class);
                if (annotations.length == 0 || method.isSynthetic()) {
                    continue;
                }
                String where = method.getDeclaringClass().getName() + "#" + method.getName();
                for (String problem : LimitedMethod.of(method).problems()) {
                    problems.add(where + ": " + problem);
                }
                for (RateLimited annotation : annotations) {
                    String limitName = annotation.name().isEmpty() ? LimitedMethod.defaultName(method)
                            : annotation.name();
                    ConfiguredLimit configured = settings.limit(limitName);
                    if (annotation.permits() == 0 && configured.permits() == null) {
                        problems.add(where + ": permits: limit '" + limitName + "' is defined nowhere: set"
                                + " ratewarden.limits." + limitName + ".permits (or the permits of its @RateLimited)");
                    }
                    if (configured.permits() == null && configured.window() == null) {
                        checkSharedName(where, annotation, definitions, problems);
                    }
                }
            }
        }
        return List.copyOf(problems);
    }

    /**
     * Throws when {@link #validate(Class[])} finds any problem.
     *
     * @param classes the classes to check
     * @throws IllegalStateException listing every problem
     */
    public static void requireValid(Class<?>... classes) {
        List<String> problems = validate(classes);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Invalid @RateLimited annotations:\n  " + String.join("\n  ", problems));
        }
    }

    private static void checkSharedName(String where, RateLimited annotation, Map<String, String> definitions,
                                        List<String> problems) {
        if (annotation.name().isEmpty() || annotation.permits() < 1 || annotation.window() < 1) {
            return;
        }
        String definition = annotation.permits() + " per "
                + Duration.ofNanos(TimeUnit.NANOSECONDS.convert(annotation.window(), annotation.unit()));
        String earlier = definitions.putIfAbsent(annotation.name(), definition + " (" + where + ")");
        if (earlier != null && !earlier.startsWith(definition + " (") && !earlier.endsWith("(" + where + ")")) {
            problems.add(where + ": name: limit '" + annotation.name() + "' is declared as " + definition
                    + " here but as " + earlier);
        }
    }
}
