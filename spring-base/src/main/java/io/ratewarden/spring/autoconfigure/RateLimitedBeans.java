package io.ratewarden.spring.autoconfigure;

import io.ratewarden.RateLimited;
import io.ratewarden.RateLimitedValidator;
import io.ratewarden.Ratewarden;
import java.lang.reflect.Method;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.ClassUtils;

/**
 * Fails the start when a bean's class carries an invalid {@code @RateLimited} (a key or tier
 * expression that names no parameter, a missing fallback method, a limit defined nowhere...),
 * rather than letting the first request that reaches the method fail. Checks every bean's class
 * and its superclasses with {@link RateLimitedValidator}, against the context's
 * {@link Ratewarden} configuration, once all singletons exist and before the application serves.
 */
final class RateLimitedBeans implements SmartInitializingSingleton {

    private final ConfigurableListableBeanFactory beans;
    private final ObjectProvider<Ratewarden> ratewarden;

    RateLimitedBeans(ConfigurableListableBeanFactory beans, ObjectProvider<Ratewarden> ratewarden) {
        this.beans = beans;
        this.ratewarden = ratewarden;
    }

    @Override
    public void afterSingletonsInstantiated() {
        Set<Class<?>> limited = new LinkedHashSet<>();
        for (String name : beans.getBeanDefinitionNames()) {
            Class<?> type;
            try {
                type = beans.getType(name, false);
            } catch (RuntimeException e) {
                continue; // a definition whose type cannot be known without creating it: not ours to judge
            }
            for (Class<?> c = type == null ? null : ClassUtils.getUserClass(type); c != null && c != Object.class;
                    c = c.getSuperclass()) {
                if (hasLimitedMethod(c)) {
                    limited.add(c);
                }
            }
        }
        if (limited.isEmpty()) {
            return;
        }
        Ratewarden instance = ratewarden.getIfAvailable();
        Class<?>[] classes = limited.toArray(new Class<?>[0]);
        List<String> problems = instance != null ? RateLimitedValidator.validate(instance, classes)
                : RateLimitedValidator.validate(classes);
        if (!problems.isEmpty()) {
            throw new RatewardenStartupException("Invalid @RateLimited annotations on beans:\n  "
                    + String.join("\n  ", problems),
                    "Correct the annotations named above (RateLimitedValidator.validate checks them in a unit test).");
        }
    }

    private static boolean hasLimitedMethod(Class<?> type) {
        try {
            for (Method method : type.getDeclaredMethods()) {
                if (method.getAnnotationsByType(RateLimited.class).length > 0) {
                    return true;
                }
            }
        } catch (LinkageError e) {
            return false; // a class whose methods' types are missing cannot be limited either
        }
        return false;
    }
}
