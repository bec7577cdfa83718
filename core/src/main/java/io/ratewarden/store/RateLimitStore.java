package io.ratewarden.store;

import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.StoreInfo;

/**
 * Decides whether permits are granted, per {@link LimitKey}.
 *
 * <p>Contract of every store: for each key, the permits granted within any sliding window of the
 * limit's length never exceed the limit's permits. Implementations are thread-safe.
 */
public interface RateLimitStore extends AutoCloseable {

    /**
     * Takes {@code permits} permits for {@code key} if they are all available now; takes none
     * otherwise. Never blocks longer than the store's configured timeout.
     *
     * @param key the bucket, never {@code null}
     * @param permits how many permits, between 1 and {@code key.limit().permits()}
     * @return the decision, never {@code null}
     * @throws IllegalArgumentException if {@code permits} is out of range
     */
    Decision tryAcquire(LimitKey key, long permits);

    /**
     * Takes permits as {@link #tryAcquire(LimitKey, long)} does, applying {@code onFailure} instead
     * of the store's own policy when its backend cannot decide. Stores that cannot fail (the
     * default) ignore the policy.
     *
     * @param key the bucket, never {@code null}
     * @param permits how many permits, between 1 and {@code key.limit().permits()}
     * @param onFailure what the call gets when the backend cannot decide;
     *     {@link FailurePolicy#DEFAULT} for the store's own policy
     * @return the decision, never {@code null}
     */
    default Decision tryAcquire(LimitKey key, long permits, FailurePolicy onFailure) {
        return tryAcquire(key, permits);
    }

    /**
     * Returns whether the store's primary backend is usable, without any I/O.
     *
     * @return {@code true} when healthy
     */
    boolean isHealthy();

    /**
     * Returns a report of the store's state, without blocking on I/O.
     *
     * @return the report, never {@code null}
     */
    StoreInfo info();

    /** Releases what the store holds. Idempotent. The default does nothing. */
    @Override
    default void close() {
    }
}
