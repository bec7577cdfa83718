package io.ratewarden.internal.call;

import io.ratewarden.FailurePolicy;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.store.LimitKey;

/**
 * What a woven call asks of one limit beyond its API: a decision on the limit's own bucket without
 * key that allocates nothing, and the rejection to throw, made as the instance's settings say.
 * Implemented by the limit itself and found through {@link LimitGates}. Thread-safe.
 */
public interface LimitGate {

    /**
     * Decides a call on the limit's own bucket without key, counting it as
     * {@code Limiter.tryAcquireKeyless} does.
     *
     * @param cost the permits the call takes
     * @param onStoreFailure what to do when the store cannot decide
     * @return 0 when granted; else the nanoseconds until a retry could pass (at least 1), or
     *     their complement ({@code ~nanos}, negative) for a rejection because the store could not
     *     decide
     */
    long tryAcquireKeyless(long cost, FailurePolicy onStoreFailure);

    /**
     * The exception for a rejection of a call without key that {@link #tryAcquireKeyless}
     * returned as {@code result}.
     *
     * @param result a non-zero result of {@link #tryAcquireKeyless}
     * @return the exception, with a stack trace when the instance records them
     */
    RateLimitExceededException keylessRejection(long result);

    /**
     * The exception for a call rejected under {@code key}.
     *
     * @param key the limit, tier and key that rejected the call
     * @param retryAfterNanos the wait before a retry could pass
     * @param storeFailure whether the store could not decide the call
     * @return the exception, with a stack trace when the instance records them
     */
    RateLimitExceededException rejection(LimitKey key, long retryAfterNanos, boolean storeFailure);
}
