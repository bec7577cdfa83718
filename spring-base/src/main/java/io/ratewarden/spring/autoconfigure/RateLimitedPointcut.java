package io.ratewarden.spring.autoconfigure;

import io.ratewarden.RateLimited;
import java.lang.reflect.Method;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.StaticMethodMatcherPointcut;

/**
 * The methods a proxy limits: those carrying {@link RateLimited} (once or repeated) whose class
 * AspectJ did not weave.
 */
final class RateLimitedPointcut extends StaticMethodMatcherPointcut {

    @Override
    public boolean matches(Method method, Class<?> targetClass) {
        Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
        return isLimited(specific) && !WovenClasses.isWoven(specific.getDeclaringClass());
    }

    /** Whether {@code method} carries {@code @RateLimited}. */
    static boolean isLimited(Method method) {
        return method.getAnnotationsByType(RateLimited.class).length > 0;
    }
}
