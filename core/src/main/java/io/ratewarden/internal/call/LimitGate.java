package io.ratewarden.internal.call;

import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.LimitTier;
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

    /**
     * Decides one limit of a call of several, as {@link LimitTier#tryAcquire(String, long,
     * FailurePolicy)} does, counting a rejection but not a grant: the call counts as permitted
     * only once every limit granted it ({@link #permitted}). Any gate serves any tier.
     *
     * @param tier the tier the call falls in
     * @param key the caller's key
     * @param cost the permits the call takes
     * @param onStoreFailure what to do when the store cannot decide
     * @return the decision, never {@code null}
     */
    Decision decide(LimitTier tier, String key, long cost, FailurePolicy onStoreFailure);

    /**
     * Counts a call every limit granted, on one of them: as permitted, and as near the limit when
     * {@code granted} left at most a fifth of it.
     *
     * @param tier the tier {@link #decide} decided in
     * @param key the caller's key
     * @param granted the grant {@link #decide} returned
     */
    void permitted(LimitTier tier, String key, Decision granted);

    /**
     * Gives back the permits a grant took, on the backend that decides and in this instance's memory,
     * without failing: a backend that cannot keeps them (said at DEBUG). A grant that shadow mode
     * made of a rejection took nothing and gives nothing back.
     *
     * @param tier the tier {@link #decide} decided in
     * @param key the caller's key
     * @param cost the permits the grant took
     * @param granted the grant {@link #decide} returned
     * @param counted whether the call was counted as permitted ({@link #permitted}): a call refused by
     *     a later limit was not, a call whose method failed was
     */
    void giveBack(LimitTier tier, String key, long cost, Decision granted, boolean counted);
}
