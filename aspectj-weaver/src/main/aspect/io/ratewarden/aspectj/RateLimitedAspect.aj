package io.ratewarden.aspectj;

import io.ratewarden.RateLimitExceededException;
import java.util.concurrent.Callable;
import org.aspectj.lang.JoinPoint;
import org.aspectj.lang.annotation.SuppressAjWarnings;

/**
 * Weaves the executions of {@code @RateLimited} methods. A shim: each advice hands the join
 * point's static part to plain Java, which resolves the method's limits once.
 *
 * <p>The advices split the work at weave time so that common cases stay cheap:
 * <ul>
 *   <li>a method without key, fallback or asynchronous return type never touches
 *       {@code thisJoinPoint} (whose creation allocates);</li>
 *   <li>a method of one or two parameters whose key is an expression gets its arguments bound
 *       directly, without a join point or an argument array;</li>
 *   <li>a method of at most two parameters with a fallback gets its target and arguments bound
 *       directly too, and its fallback called with them, so that neither a grant nor a rejection
 *       allocates in the aspect;</li>
 *   <li>other methods (more parameters, resolvers, repeated limits) get the call's target and
 *       arguments from {@code thisJoinPoint};</li>
 *   <li>asynchronous methods may run their body later, from another thread, and so need a
 *       closure over {@code proceed()}.</li>
 * </ul>
 */
public aspect RateLimitedAspect {

    /** Every woven execution: methods with one {@code @RateLimited} or with several. */
    pointcut rateLimitedExecution():
        execution(@io.ratewarden.RateLimited * *(..)) || execution(@io.ratewarden.RateLimited.List * *(..));

    /*
     * Methods returning a CompletionStage or a Reactor type (Mono, Flux) decide later than their
     * call and take the general advices below; the Reactor types are matched by name, which needs
     * no Reactor on the weaver's class path.
     */

    /**
     * Executions that need neither the call's arguments nor its target, told apart at weave time
     * so that their shadows never create a {@code JoinPoint}: one annotation with no key, no tier,
     * no resolver and no fallback, on a method that does not return a {@code CompletionStage}.
     */
    pointcut plainExecution():
        execution(@io.ratewarden.RateLimited(key="", tier="", fallbackMethod="",
                                             keyResolver=io.ratewarden.KeyResolver.None.class)
                  (!java.util.concurrent.CompletionStage+ && !reactor.core.publisher.*) *(..));

    /**
     * Executions whose one annotation keys or tiers by expression, with no resolver or fallback, on
     * a method that does not return a {@code CompletionStage}: the key and the tier need the
     * arguments only.
     */
    pointcut keyedExecution():
        execution(@io.ratewarden.RateLimited(fallbackMethod="", keyResolver=io.ratewarden.KeyResolver.None.class)
                  (!java.util.concurrent.CompletionStage+ && !reactor.core.publisher.*) *(..))
        && !plainExecution();

    /** Keyed executions whose arguments are bound directly: one or two parameters. */
    pointcut boundArgumentsExecution(): keyedExecution() && (args(*) || args(*, *));

    /**
     * Executions whose one annotation names a fallback, with no resolver, on a method of at most
     * two parameters that does not return a {@code CompletionStage}: a rejection calls the fallback
     * with the arguments bound directly, without a join point or an argument array.
     */
    pointcut boundFallbackExecution():
        execution(@io.ratewarden.RateLimited(fallbackMethod!="", keyResolver=io.ratewarden.KeyResolver.None.class)
                  (!java.util.concurrent.CompletionStage+ && !reactor.core.publisher.*) *(..))
        && (args() || args(*) || args(*, *));

    /** The static ones among them, which have no {@code this} to bind. */
    pointcut staticFallbackExecution(): boundFallbackExecution() && execution(static * *(..));

    @SuppressAjWarnings("adviceDidNotMatch")
    Object around(): plainExecution() {
        RateLimitExceededException rejection = JoinPointLimits.acquireOrRejection(thisJoinPointStaticPart);
        if (rejection != null) {
            throw rejection;
        }
        try {
            return proceed();
        } catch (Throwable failure) {
            throw failed(thisJoinPointStaticPart, null, null, null, null, failure);
        }
    }

    @SuppressAjWarnings("adviceDidNotMatch")
    Object around(Object a0): keyedExecution() && args(a0) {
        JoinPointLimits.acquire(thisJoinPointStaticPart, a0, null);
        try {
            return proceed(a0);
        } catch (Throwable failure) {
            throw failed(thisJoinPointStaticPart, null, null, a0, null, failure);
        }
    }

    @SuppressAjWarnings("adviceDidNotMatch")
    Object around(Object a0, Object a1): keyedExecution() && args(a0, a1) {
        JoinPointLimits.acquire(thisJoinPointStaticPart, a0, a1);
        try {
            return proceed(a0, a1);
        } catch (Throwable failure) {
            throw failed(thisJoinPointStaticPart, null, null, a0, a1, failure);
        }
    }

    @SuppressAjWarnings("adviceDidNotMatch")
    Object around(Object target): boundFallbackExecution() && this(target) && args() {
        Object result = JoinPointLimits.acquireOrFallback(thisJoinPointStaticPart, target, null, null);
        if (result != JoinPointLimits.GRANTED) {
            return result;
        }
        try {
            return proceed(target);
        } catch (Throwable failure) {
            throw failed(thisJoinPointStaticPart, target, null, null, null, failure);
        }
    }

    @SuppressAjWarnings("adviceDidNotMatch")
    Object around(Object target, Object a0): boundFallbackExecution() && this(target) && args(a0) {
        Object result = JoinPointLimits.acquireOrFallback(thisJoinPointStaticPart, target, a0, null);
        if (result != JoinPointLimits.GRANTED) {
            return result;
        }
        try {
            return proceed(target, a0);
        } catch (Throwable failure) {
            throw failed(thisJoinPointStaticPart, target, null, a0, null, failure);
        }
    }

    @SuppressAjWarnings("adviceDidNotMatch")
    Object around(Object target, Object a0, Object a1): boundFallbackExecution() && this(target) && args(a0, a1) {
        Object result = JoinPointLimits.acquireOrFallback(thisJoinPointStaticPart, target, a0, a1);
        if (result != JoinPointLimits.GRANTED) {
            return result;
        }
        try {
            return proceed(target, a0, a1);
        } catch (Throwable failure) {
            throw failed(thisJoinPointStaticPart, target, null, a0, a1, failure);
        }
    }

    @SuppressAjWarnings("adviceDidNotMatch")
    Object around(): staticFallbackExecution() && args() {
        Object result = JoinPointLimits.acquireOrFallback(thisJoinPointStaticPart, null, null, null);
        if (result != JoinPointLimits.GRANTED) {
            return result;
        }
        try {
            return proceed();
        } catch (Throwable failure) {
            throw failed(thisJoinPointStaticPart, null, null, null, null, failure);
        }
    }

    @SuppressAjWarnings("adviceDidNotMatch")
    Object around(Object a0): staticFallbackExecution() && args(a0) {
        Object result = JoinPointLimits.acquireOrFallback(thisJoinPointStaticPart, null, a0, null);
        if (result != JoinPointLimits.GRANTED) {
            return result;
        }
        try {
            return proceed(a0);
        } catch (Throwable failure) {
            throw failed(thisJoinPointStaticPart, null, null, a0, null, failure);
        }
    }

    @SuppressAjWarnings("adviceDidNotMatch")
    Object around(Object a0, Object a1): staticFallbackExecution() && args(a0, a1) {
        Object result = JoinPointLimits.acquireOrFallback(thisJoinPointStaticPart, null, a0, a1);
        if (result != JoinPointLimits.GRANTED) {
            return result;
        }
        try {
            return proceed(a0, a1);
        } catch (Throwable failure) {
            throw failed(thisJoinPointStaticPart, null, null, a0, a1, failure);
        }
    }

    // Building thisJoinPoint eagerly is the point here: these shadows need the arguments.
    @SuppressAjWarnings({"adviceDidNotMatch", "canNotImplementLazyTjp", "multipleAdviceStoppingLazyTjp"})
    Object around(): rateLimitedExecution() && !plainExecution() && !boundArgumentsExecution()
            && !boundFallbackExecution() && if(!JoinPointLimits.isAsync(thisJoinPointStaticPart)) {
        Object target = thisJoinPoint.getThis();
        Object[] args = thisJoinPoint.getArgs();
        RateLimitExceededException rejection = JoinPointLimits.tryAcquire(thisJoinPointStaticPart, target, args);
        if (rejection == null) {
            try {
                return proceed();
            } catch (Throwable failure) {
                throw failed(thisJoinPointStaticPart, target, args, null, null, failure);
            }
        }
        return rethrowing(thisJoinPointStaticPart, target, args, rejection);
    }

    @SuppressAjWarnings({"adviceDidNotMatch", "canNotImplementLazyTjp", "multipleAdviceStoppingLazyTjp"})
    Object around(): rateLimitedExecution() && !plainExecution() && !boundArgumentsExecution()
            && !boundFallbackExecution() && if(JoinPointLimits.isAsync(thisJoinPointStaticPart)) {
        return invokeAsync(thisJoinPointStaticPart, thisJoinPoint.getThis(), thisJoinPoint.getArgs(),
                () -> proceed());
    }

    /**
     * Gives the call's permits back to the limits whose {@code refundOn} names {@code failure}, and
     * returns it to be thrown as it is, even when checked.
     */
    private static RuntimeException failed(JoinPoint.StaticPart joinPoint, Object target, Object[] args, Object a0,
                                           Object a1, Throwable failure) {
        return Sneaky.<RuntimeException>rethrow(JoinPointLimits.failed(joinPoint, target, args, a0, a1, failure));
    }

    private static Object rethrowing(JoinPoint.StaticPart joinPoint, Object target, Object[] args,
                                     RateLimitExceededException rejection) {
        try {
            return JoinPointLimits.rejected(joinPoint, target, args, rejection);
        } catch (Throwable failure) {
            throw Sneaky.<RuntimeException>rethrow(failure);
        }
    }

    private static Object invokeAsync(JoinPoint.StaticPart joinPoint, Object target, Object[] args,
                                      Callable<Object> body) {
        try {
            return JoinPointLimits.invokeAsync(joinPoint, target, args, body);
        } catch (Throwable failure) {
            throw Sneaky.<RuntimeException>rethrow(failure);
        }
    }
}
