package io.ratewarden.internal.call;

import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.store.LimitKey;
import java.time.Duration;

/**
 * What a woven call asks of one limit beyond its API: a decision on the limit's own bucket without
 * key that allocates nothing, and the rejection to throw, made as the instance's settings say.
 * Implemented by the limit itself and found through {@link LimitGates}. Thread-safe.
 */
public interface LimitGate {

    /** The longest retry time a result holds. */
    Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);

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

    /**
     * A decision as {@link #tryAcquireKeyless} returns it: 0 for a grant, else the retry time in
     * nanoseconds (at least 1), complemented for a store failure.
     *
     * @param decision the decision
     * @return the encoded decision
     */
    static long result(Decision decision) {
        if (decision.allowed()) {
            return 0;
        }
        long nanos = retryNanos(decision);
        return decision.storeFailure() ? ~nanos : nanos;
    }

    /**
     * A rejection's retry time in nanoseconds, at least 1, {@code Long.MAX_VALUE} for a longer one.
     *
     * @param decision a rejection
     * @return the nanoseconds
     */
    static long retryNanos(Decision decision) {
        Duration retryAfter = decision.retryAfter();
        return Math.max(1, retryAfter.compareTo(MAX_NANOS) >= 0 ? Long.MAX_VALUE : retryAfter.toNanos());
    }
}
