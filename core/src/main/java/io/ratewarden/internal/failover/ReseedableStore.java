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
}
