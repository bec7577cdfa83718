package io.ratewarden.internal.store;

import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.Ticker;
import io.ratewarden.store.LimitKey;
import java.time.Duration;

/**
 * A direct handle on one in-memory bucket, for callers that ask the same bucket again and again
 * (a limit's key {@code ""}): no lookup per call. Obtained from
 * {@link InMemoryRateLimitStore#bucket(LimitKey)}. This class is thread-safe.
 */
public final class LocalBucket {

    private final LimitKey key;
    private final InMemoryRateLimitStore store;
    private final Ticker ticker;
    private SlidingWindow window; // found on first use; always the same instance, so a racy read is fine

    LocalBucket(LimitKey key, InMemoryRateLimitStore store, Ticker ticker) {
        this.key = key;
        this.store = store;
        this.ticker = ticker;
    }

    /**
     * Takes {@code permits} permits if they are all available now, else takes none.
     *
     * @param permits how many permits, between 1 and the limit's permits
     * @return the decision, never {@code null}
     * @throws IllegalArgumentException if {@code permits} is out of range
     */
    public Decision tryAcquire(long permits) {
        InMemoryRateLimitStore.checkPermits(key, permits);
        SlidingWindow current = window;
        if (current == null) {
            current = store.window(key);
            window = current;
        }
        long waitNanos = current.tryAcquireShared(ticker, permits);
        return waitNanos == 0 ? Decision.allowed(Backend.IN_MEMORY)
                : Decision.rejected(Backend.IN_MEMORY, Duration.ofNanos(waitNanos));
    }

    /**
     * Returns the permits counted on this bucket's key since the store first held it: granted
     * through this handle or the store, or {@linkplain InMemoryRateLimitStore#record recorded}.
     * Exact once no call on the key is in flight. Counting costs the granting calls nothing;
     * reading takes the key's lock briefly.
     *
     * @return the permits counted, 0 before the key's first call
     */
    public long grantedPermits() {
        SlidingWindow current = window;
        if (current == null) {
            current = store.existingWindow(key);
        }
        return current == null ? 0 : current.counted();
    }
}
