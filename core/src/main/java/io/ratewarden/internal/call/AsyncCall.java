package io.ratewarden.internal.call;

import io.ratewarden.LimitTier;
import io.ratewarden.Limiter;
import io.ratewarden.RateLimitExceededException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One call of a method returning a {@code CompletionStage}: granted, it runs at once; rejected
 * with a retry time its wait allows, it returns a pending future at once and asks again on a
 * timer, never blocking a thread; rejected for good, it returns a failed future or the fallback's
 * result.
 */
final class AsyncCall {

    private final CallSteps method;
    private final LimitTier[] tiers;
    private final String[] keys;
    private final Object target;
    private final Object[] args;
    private final Proceed proceed;
    private final CallRecord record = CallRecord.current();
    private CompletableFuture<Object> waiting;

    AsyncCall(CallSteps method, LimitTier[] tiers, String[] keys, Object target, Object[] args,
              Proceed proceed) {
        this.method = method;
        this.tiers = tiers;
        this.keys = keys;
        this.target = target;
        this.args = args;
        this.proceed = proceed;
    }

    /** Asks the limits for permits; returns the method's result or a stand-in future. */
    Object attempt(long start) throws Throwable {
        Object step = method.step(tiers, keys, start, record);
        if (step == null) {
            return method.refunds() ? proceedRefunding() : proceed.proceed();
        }
        if (step instanceof CallSteps.Pause pause) {
            if (waiting == null) {
                waiting = new CompletableFuture<>();
            }
            Executor later = CompletableFuture.delayedExecutor(pause.nanos(), TimeUnit.NANOSECONDS);
            later.execute(() -> resume(start));
            return waiting;
        }
        RateLimitExceededException rejection = step == CallSteps.UNOBSERVED_REJECTION ? null
                : (RateLimitExceededException) step;
        return method.hasFallback() ? method.fallback(target, args, rejection)
                : CompletableFuture.failedFuture(rejection);
    }

    /**
     * Runs the granted method so that its failure, thrown or in the stage it returns, gives back
     * the permits its limits' {@code refundOn} name before the caller sees it.
     */
    private Object proceedRefunding() throws Throwable {
        Object result;
        try {
            result = proceed.proceed();
        } catch (Throwable failure) {
            throw method.failed(tiers, keys, failure);
        }
        if (!(result instanceof CompletionStage<?> stage)) {
            return result;
        }
        return stage.whenComplete((value, failure) -> {
            if (failure != null) {
                method.failed(tiers, keys, failure);
            }
        });
    }

    private void resume(long start) {
        try {
            Object result = attempt(start);
            if (result == waiting) {
                return;
            }
            if (result == null) {
                waiting.complete(null);
            } else {
                ((CompletionStage<?>) result).whenComplete((value, failure) -> {
                    if (failure != null) {
                        waiting.completeExceptionally(failure);
                    } else {
                        waiting.complete(value);
                    }
                });
            }
        } catch (Throwable failure) {
            waiting.completeExceptionally(failure);
        }
    }
}
