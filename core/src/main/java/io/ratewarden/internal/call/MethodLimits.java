package io.ratewarden.internal.call;

import io.ratewarden.KeyResolver;
import io.ratewarden.Limit;
import io.ratewarden.RateLimited;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Reads the {@code @RateLimited} annotations of one method into {@link LimitSpec}s and a
 * {@link FallbackMethod}, collecting every problem rather than stopping at the first.
 */
final class MethodLimits {

    final List<LimitSpec> specs = new ArrayList<>();
    final List<String> problems = new ArrayList<>();
    FallbackMethod fallback;

    private MethodLimits() {
    }

    static MethodLimits read(Method method) {
        MethodLimits result = new MethodLimits();
        RateLimited[] annotations = method.getAnnotationsByType(RateLimited.class);
        if (Modifier.isAbstract(method.getModifiers())) {
            result.problems.add("@RateLimited has no effect on an abstract method; annotate the implementation");
            return result;
        }
        Set<String> names = new HashSet<>();
        String fallbackName = "";
        for (RateLimited annotation : annotations) {
            LimitSpec spec = result.readOne(method, annotation);
            if (spec != null && !names.add(spec.name())) {
                result.problems.add("name: limit '" + spec.name() + "' is declared twice on this method");
            }
            if (spec != null) {
                result.specs.add(spec);
            }
            String declared = annotation.fallbackMethod();
            if (!declared.isEmpty()) {
                if (!fallbackName.isEmpty() && !fallbackName.equals(declared)) {
                    result.problems.add("fallbackMethod: the repeated annotations name different fallbacks, '"
                            + fallbackName + "' and '" + declared + "'");
                }
                fallbackName = declared;
            }
        }
        if (!fallbackName.isEmpty()) {
            try {
                result.fallback = FallbackMethod.resolve(method, fallbackName);
            } catch (InvalidAnnotationException e) {
                result.problems.add(e.getMessage());
            }
        }
        return result;
    }

    /** The default limit name: {@code declaringClass#method(paramTypes)}. */
    static String methodId(Method method) {
        return method.getDeclaringClass().getName() + "#" + method.getName() + "("
                + String.join(",", Arrays.stream(method.getParameterTypes()).map(Class::getTypeName).toList())
                + ")";
    }

    private LimitSpec readOne(Method method, RateLimited annotation) {
        int before = problems.size();
        String name = annotation.name().isEmpty() ? methodId(method) : annotation.name();
        if (annotation.name().isBlank() && !annotation.name().isEmpty()) {
            problems.add("name: must not be blank");
        }
        long permits = annotation.permits();
        if (permits < 0) {
            problems.add("permits: must be at least 1, or 0 for ratewarden.limits." + name + ".permits, was "
                    + permits);
        } else if (permits > Limit.MAX_PERMITS) {
            problems.add("permits: must be at most 2^53 (" + Limit.MAX_PERMITS + "), the most every backend counts"
                    + " exactly, was " + permits);
        }
        Duration window = window(annotation);
        if (window != null) {
            limit(permits, window, annotation); // a window a limit can hold: whole milliseconds
        }
        if (annotation.cost() < 1 || (permits >= 1 && annotation.cost() > permits)) {
            problems.add("cost: must be between 1 and permits (" + permits + "), was " + annotation.cost());
        }
        if (annotation.maxWaitMillis() < 0) {
            problems.add("maxWaitMillis: must be at least 0, was " + annotation.maxWaitMillis());
        }
        KeyFunction keyFunction = keyFunction(method, annotation);
        KeyFunction tierFunction = tierFunction(method, annotation);
        if (problems.size() > before) {
            return null;
        }
        return new LimitSpec(name, permits, window, annotation.cost(),
                TimeUnit.MILLISECONDS.toNanos(annotation.maxWaitMillis()), annotation.onStoreFailure(),
                keyFunction, tierFunction, annotation.shadow(), List.of(annotation.refundOn()));
    }

    /**
     * The annotation's window as a duration, or {@code null} with a problem noted; whether a
     * limit can hold it (whole milliseconds) is {@link Limit}'s to say.
     */
    private Duration window(RateLimited annotation) {
        if (annotation.window() < 1) {
            problems.add("window: must be at least 1, was " + annotation.window());
            return null;
        }
        long nanos = annotation.unit().toNanos(annotation.window());
        if (nanos == Long.MAX_VALUE) {
            problems.add("window: " + annotation.window() + " " + annotation.unit() + " is too long");
            return null;
        }
        return Duration.ofNanos(nanos);
    }

    private void limit(long permits, Duration window, RateLimited annotation) {
        try {
            new Limit(Math.min(Limit.MAX_PERMITS, Math.max(1, permits)), window);
        } catch (IllegalArgumentException e) {
            problems.add("window: " + annotation.window() + " " + annotation.unit() + ": " + e.getMessage());
        }
    }

    /** The tier expression bound to the method, or {@code null} for none, with a problem noted. */
    private KeyFunction tierFunction(Method method, RateLimited annotation) {
        if (annotation.tier().isEmpty()) {
            return null;
        }
        try {
            return KeyExpression.bind(annotation.tier(), method, "tier");
        } catch (InvalidAnnotationException e) {
            problems.add(e.getMessage());
            return null;
        }
    }

    private KeyFunction keyFunction(Method method, RateLimited annotation) {
        boolean hasExpression = !annotation.key().isEmpty();
        boolean hasResolver = annotation.keyResolver() != KeyResolver.None.class;
        if (hasExpression && hasResolver) {
            problems.add("key: set either key or keyResolver, not both");
            return null;
        }
        if (hasExpression) {
            try {
                return KeyExpression.bind(annotation.key(), method);
            } catch (InvalidAnnotationException e) {
                problems.add(e.getMessage());
                return null;
            }
        }
        if (hasResolver) {
            KeyResolver resolver = instantiate(annotation.keyResolver());
            return resolver == null ? null : new ResolverKey(resolver, method);
        }
        return null;
    }

    /** A key computed by the user's resolver; always given the whole call. */
    private record ResolverKey(KeyResolver resolver, Method method) implements KeyFunction {
        @Override
        public String key(Object target, Object[] args) {
            return resolver.resolve(method, target, args);
        }

        @Override
        public String key(Object a0, Object a1) {
            throw new UnsupportedOperationException("a resolver needs the whole join point");
        }
    }

    private KeyResolver instantiate(Class<? extends KeyResolver> type) {
        try {
            Constructor<? extends KeyResolver> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor.newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            problems.add("keyResolver: cannot instantiate " + type.getName()
                    + " with a no-argument constructor: " + cause);
            return null;
        }
    }
}
