package io.ratewarden.aspectj;

import io.ratewarden.internal.LimitedMethod;
import java.lang.reflect.Method;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.aspectj.lang.JoinPoint;
import org.aspectj.lang.reflect.MethodSignature;

/**
 * The {@link LimitedMethod} of each woven join point, resolved on first use and cached for the
 * life of the class loader that holds this class. Join points are the woven class's static
 * parts, compared by identity.
 */
final class JoinPointLimits {

    private static final ConcurrentMap<JoinPoint.StaticPart, LimitedMethod> LIMITS = new ConcurrentHashMap<>();

    private JoinPointLimits() {
    }

    static LimitedMethod of(JoinPoint.StaticPart joinPoint) {
        LimitedMethod limits = LIMITS.get(joinPoint);
        return limits != null ? limits : LIMITS.computeIfAbsent(joinPoint, JoinPointLimits::resolve);
    }

    private static LimitedMethod resolve(JoinPoint.StaticPart joinPoint) {
        Method method = ((MethodSignature) joinPoint.getSignature()).getMethod();
        return LimitedMethod.of(method);
    }
}
