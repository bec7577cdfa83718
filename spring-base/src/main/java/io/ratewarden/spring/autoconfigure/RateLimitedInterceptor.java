package io.ratewarden.spring.autoconfigure;

import io.ratewarden.RateLimitExceededException;
import io.ratewarden.internal.call.LimitedMethod;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.aop.support.AopUtils;

/**
 * Limits a call through a Spring AOP proxy as the AspectJ aspect limits a woven one: the same
 * limits, keys, tiers, fallbacks, waits and exceptions, and Mono and Flux at subscription. Each
 * method's annotations are read and bound once. This class is thread-safe.
 */
final class RateLimitedInterceptor implements MethodInterceptor {

    private final Map<Method, LimitedMethod> methods = new ConcurrentHashMap<>();

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Object target = invocation.getThis();
        Method method = target == null ? invocation.getMethod()
                : AopUtils.getMostSpecificMethod(invocation.getMethod(), AopUtils.getTargetClass(target));
        LimitedMethod limited = methods.computeIfAbsent(method, LimitedMethod::of);
        Object[] args = invocation.getArguments();
        if (limited.isAsync()) {
            // The body may run later, or once per subscription: each run proceeds on a copy.
            return limited.invokeAsync(target, args, () -> proceedAgain(invocation));
        }
        RateLimitExceededException rejection = limited.tryAcquire(target, args);
        if (rejection == null) {
            if (!limited.refunds()) {
                return invocation.proceed();
            }
            try {
                return invocation.proceed();
            } catch (Throwable failure) {
                throw limited.failed(target, args, null, null, failure);
            }
        }
        return limited.rejected(target, args, rejection);
    }

    private static Object proceedAgain(MethodInvocation invocation) throws Throwable {
        return invocation instanceof ProxyMethodInvocation proxied ? proxied.invocableClone().proceed()
                : invocation.proceed();
    }
}
