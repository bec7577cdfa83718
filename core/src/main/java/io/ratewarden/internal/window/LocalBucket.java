package io.ratewarden.internal.window;

import io.ratewarden.Decision;
import io.ratewarden.store.LimitKey;

/**
 * A direct handle on the bucket of one limit's empty key ({@code ""}), for a caller that asks
 * it again and again: no lookup per call while the limit stays the same. Obtained from
 * {@link InMemoryRateLimitStore#bucket()}; used with the keys of one limit name only. This class
 * is thread-safe.
 */
public final class LocalBucket {

    private final WindowSource store;
    private final WindowClock clock;
    private SlidingWindow window; // found on first use and after a change of limit; a racy read is fine

    LocalBucket(WindowSource store, WindowClock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Takes {@code permits} permits if they are all available now, else takes none.
     *
     * @param key the limit's empty key, under the limit in force
     * @param permits how many permits, between 1 and the limit's permits
     * @return the decision, never {@code null}
     * @throws IllegalArgumentException if {@code permits} is out of range
     */
    public Decision tryAcquire(LimitKey key, long permits) {
        long waitNanos = tryAcquireNanos(key, permits);
        return store.decision(waitNanos, window, clock.read());
    }

    /**
     * Takes {@code permits} permits if they are all available now, else takes none; allocates
     * nothing.
     *
     * @param key the limit's empty key, under the limit in force
     * @param permits how many permits, between 1 and the limit's permits
     * @return 0 when granted, {@link SlidingWindow#NEAR_LIMIT} for a grant that left at most a
     *     fifth of the limit; else the nanoseconds until a retry could pass, at least 1
     * @throws IllegalArgumentException if {@code permits} is out of range
     */
    public long tryAcquireNanos(LimitKey key, long permits) {
        key.requirePermits(permits);
        SlidingWindow current = window;
        if (current == null || !current.fits(key.limit())) {
            current = store.window(key);
            window = current;
        }
        long waitNanos = current.tryAcquire(clock, permits, Long.MAX_VALUE);
        while (waitNanos == SlidingWindow.RETIRED) {
            current = store.window(key);
            window = current;
            waitNanos = current.tryAcquire(clock, permits, Long.MAX_VALUE);
        }
        return waitNanos;
    }

    /**
     * Returns the permits counted on the empty key since the store first held it: granted
     * through this handle or the store, or {@linkplain InMemoryRateLimitStore#record recorded}.
     * Exact once no call on the key is in flight. Counting costs the granting calls nothing;
     * reading takes the key's lock briefly.
     *
     * @param key the limit's empty key
     * @return the permits counted, 0 before the key's first call
     */
    public long grantedPermits(LimitKey key) {
        SlidingWindow current = store.existing(key);
        return current == null ? 0 : current.counted();
    }

    /** Where a bucket finds its key's window, and how a wait becomes a decision: the in-memory store. */
    interface WindowSource {

        /** The key's window, created when it has none. */
        SlidingWindow window(LimitKey key);

        /** The key's window, or {@code null}. */
        SlidingWindow existing(LimitKey key);

        /** The decision of a call that {@code window} answered with {@code waitNanos} at {@code read}. */
        Decision decision(long waitNanos, SlidingWindow window, long read);
    }
}
