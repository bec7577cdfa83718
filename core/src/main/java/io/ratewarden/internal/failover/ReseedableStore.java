package io.ratewarden.internal.failover;

import io.ratewarden.Decision;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;

/**
 * A shared store that can re-create a bucket it lost from the grants one instance holds of it:
 * what {@link FailoverRateLimitStore} asks Redis through. Implementations are thread-safe.
 */
public interface ReseedableStore extends RateLimitStore {

    /**
     * Takes permits as {@link #tryAcquire(LimitKey, long)} does; when the bucket is missing on the
     * store while {@code heldHere} is above 0, first re-creates it holding those grants (dated now,
     * so that none is freed early). A store that cannot ignores {@code heldHere}.
     *
     * @param key the bucket
     * @param permits the permits the call takes
     * @param heldHere the grants this instance holds of the bucket in its window, 0 for none
     * @return the decision
     */
    default Decision tryAcquire(LimitKey key, long permits, long heldHere) {
        return tryAcquire(key, permits);
    }

    /**
     * Returns whether {@link #tryAcquireTogether} decides the limits of one call in one round trip.
     *
     * @return {@code false} unless overridden
     */
    default boolean decidesTogether() {
        return false;
    }

    /**
     * Takes the permits of one call from several buckets in one round trip, all or none, where
     * {@link #decidesTogether()}: the buckets are decided in order, as {@link #tryAcquire(LimitKey,
     * long, long)} decides one, and when one rejects the call, none keeps what the call took.
     *
     * @param keys the buckets, in the call's order
     * @param permits each bucket's cost
     * @param heldHere each bucket's grants this instance holds, as for {@link #tryAcquire(LimitKey, long, long)}
     * @return a decision per bucket: all granted, or up to and including the first rejection (the
     *     entries after it {@code null})
     * @throws UnsupportedOperationException where not {@link #decidesTogether()}
     */
    default Decision[] tryAcquireTogether(LimitKey[] keys, long[] permits, long[] heldHere) {
        throw new UnsupportedOperationException("this store decides one limit per round trip");
    }
}
