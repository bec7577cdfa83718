package io.ratewarden.store;

import io.ratewarden.Decision;
import io.ratewarden.StoreInfo;

/**
 * Decides whether permits are granted, per {@link LimitKey}: the service provider interface of a
 * backend that {@link io.ratewarden.RatewardenBuilder#store(RateLimitStore)} plugs in.
 *
 * <p>Contract of every store: for each key, the permits granted within any sliding window of the
 * limit's length never exceed the limit's permits, and a rejection's retry time is positive and at
 * most the window. A store that loses its state (a restart, a flush, an eviction) goes on
 * deciding: the keys it lost start again with a full window. Implementations are thread-safe:
 * calls on any keys may come from any threads at once.
 */
public interface RateLimitStore extends AutoCloseable {

    /**
     * Takes {@code cost} permits for {@code key} if they are all available now; takes none
     * otherwise. Must return, or throw, within a bounded time: the caller of a rate-limited method
     * waits for it.
     *
     * @param key the bucket, never {@code null}
     * @param cost how many permits the call takes, between 1 and {@code key.limit().permits()}
     * @return the decision, never {@code null}
     * @throws IllegalArgumentException if {@code cost} is out of range
     * @throws StoreUnavailableException when the backend cannot decide this call; the call is then
     *     decided by the instance's failure policy
     */
    Decision tryAcquire(LimitKey key, long cost);

    /**
     * Returns the permits a call on {@code key} could take now, without taking any: the limit
     * less what the bucket holds, never negative. Must return, or throw, within a bounded time.
     * The default tells that the store cannot say.
     *
     * @param key the bucket, never {@code null}
     * @return the permits, between 0 and {@code key.limit().permits()}
     * @throws UnsupportedOperationException if the store cannot tell (the default)
     * @throws StoreUnavailableException when the backend cannot answer
     */
    default long remaining(LimitKey key) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot tell the permits remaining");
    }

    /**
     * Forgets every grant of {@code key}, so that its next call finds the whole limit. Must
     * return, or throw, within a bounded time. The default tells that the store cannot.
     *
     * @param key the bucket, never {@code null}
     * @throws UnsupportedOperationException if the store cannot reset a key (the default)
     * @throws StoreUnavailableException when the backend cannot answer
     */
    default void reset(LimitKey key) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot reset a key");
    }

    /**
     * Gives back up to {@code permits} permits to {@code key}: the latest grants still in its
     * window are taken out, so that calls find room as if those had not been made. Never leaves
     * more available than the limit's permits; grants that already left the window give nothing
     * back. Must return, or throw, within a bounded time. The default tells that the store cannot.
     *
     * @param key the bucket, never {@code null}
     * @param permits how many permits to give back, at least 1
     * @throws UnsupportedOperationException if the store cannot give permits back (the default)
     * @throws StoreUnavailableException when the backend cannot answer
     */
    default void refund(LimitKey key, long permits) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot give permits back");
    }

    /**
     * Returns whether the store's backend is usable, without blocking on I/O.
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
