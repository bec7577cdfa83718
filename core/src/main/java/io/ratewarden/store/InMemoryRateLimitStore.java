package io.ratewarden.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.StoreInfo;
import io.ratewarden.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * A store that decides in this JVM's memory, per key, with no I/O.
 *
 * <p>For each key, never more than the limit's permits are granted in any sliding window of the
 * limit's length. A grant may be refused up to 1/16 of the window earlier than an exact sliding
 * log would refuse it; memory per key is constant whatever the permits. Keys are held in a
 * Caffeine cache bounded to {@code maxKeys} entries; a key leaves memory once it has been idle
 * for a whole window (its state is then empty) or when the bound evicts it. An evicted key that
 * returns starts with a full window of permits, so keep the bound above the number of keys
 * active within one window.
 *
 * <p>This class is thread-safe. Calls on different keys share no lock.
 */
public final class InMemoryRateLimitStore implements RateLimitStore {

    private static final Function<LimitKey, SlidingWindow> NEW_WINDOW =
            key -> new SlidingWindow(key.limit().permits(), key.limit().window().toNanos());

    private final Ticker ticker;
    private final Cache<LimitKey, SlidingWindow> windows;
    private final Instant since;

    /**
     * Creates a store holding at most {@code maxKeys} keys, on the system ticker.
     *
     * @param maxKeys the most keys held, at least 1
     * @throws IllegalArgumentException if {@code maxKeys} is below 1
     */
    public InMemoryRateLimitStore(long maxKeys) {
        this(maxKeys, Ticker.systemTicker(), Clock.systemUTC());
    }

    /**
     * Creates a store holding at most {@code maxKeys} keys, reading time from {@code ticker}.
     *
     * @param maxKeys the most keys held, at least 1
     * @param ticker the time source of the limiter and of idle expiry, never {@code null}
     * @param clock the wall clock for {@link StoreInfo#since()}, never {@code null}
     * @throws IllegalArgumentException if {@code maxKeys} is below 1
     */
    public InMemoryRateLimitStore(long maxKeys, Ticker ticker, Clock clock) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("localMaxKeys must be at least 1, was " + maxKeys);
        }
        this.ticker = ticker;
        this.since = clock.instant();
        this.windows = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .ticker(ticker::read)
                .expireAfter(new IdleForAWindow())
                .build();
    }

    /** {@inheritDoc} Decided in memory, never blocks on I/O. */
    @Override
    public Decision tryAcquire(LimitKey key, long permits) {
        checkPermits(key, permits);
        return decision(windows.get(key, NEW_WINDOW).tryAcquire(ticker, permits));
    }

    /**
     * Takes permits as {@link #tryAcquire(LimitKey, long)} does, admitting at most {@code share}
     * permits per window for {@code key} instead of the limit's own: this instance's share of a
     * limit shared with others.
     *
     * @param key the bucket
     * @param permits how many permits, between 1 and the limit's permits
     * @param share the most permits this instance admits per window, at least {@code permits}
     * @return the decision
     */
    public Decision tryAcquire(LimitKey key, long permits, long share) {
        checkPermits(key, permits);
        return decision(windows.get(key, NEW_WINDOW).tryAcquire(ticker, permits, Math.max(share, permits)));
    }

    private static Decision decision(long waitNanos) {
        return waitNanos == 0
                ? Decision.allowed(Backend.IN_MEMORY)
                : Decision.rejected(Backend.IN_MEMORY, Duration.ofNanos(waitNanos));
    }

    /**
     * Counts {@code permits} granted for {@code key} by another store, so that this store is
     * warm when it takes over: it then refuses until those grants have left the window.
     *
     * @param key the bucket
     * @param permits the permits granted elsewhere
     */
    public void record(LimitKey key, long permits) {
        windows.get(key, NEW_WINDOW).record(ticker, permits);
    }

    /** Always {@code true}: memory does not fail. */
    @Override
    public boolean isHealthy() {
        return true;
    }

    @Override
    public StoreInfo info() {
        return new StoreInfo(Backend.IN_MEMORY, true, null, since, 0, 0, null, null, null, localKeys());
    }

    /**
     * Returns the number of keys held, an estimate.
     *
     * @return the number of keys held
     */
    public long localKeys() {
        return windows.estimatedSize();
    }

    /** Drops every key. */
    @Override
    public void close() {
        windows.invalidateAll();
    }

    static void checkPermits(LimitKey key, long permits) {
        if (permits < 1 || permits > key.limit().permits()) {
            throw new IllegalArgumentException("permits must be between 1 and "
                    + key.limit().permits() + " for limit '" + key.limitName() + "', was " + permits);
        }
    }

    /** A key's state is empty once it has seen no call for a whole window (plus one slot). */
    private static final class IdleForAWindow implements Expiry<LimitKey, SlidingWindow> {
        private static long idleNanos(LimitKey key) {
            long window = key.limit().window().toNanos();
            return window + window / SlidingWindow.SLOTS;
        }

        @Override
        public long expireAfterCreate(LimitKey key, SlidingWindow value, long currentTime) {
            return idleNanos(key);
        }

        @Override
        public long expireAfterUpdate(LimitKey key, SlidingWindow value, long currentTime,
                                      long currentDuration) {
            return idleNanos(key);
        }

        @Override
        public long expireAfterRead(LimitKey key, SlidingWindow value, long currentTime,
                                    long currentDuration) {
            return idleNanos(key);
        }
    }
}
