package io.ratewarden.internal.window;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.StoreInfo;
import io.ratewarden.Ticker;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * A store that decides in this JVM's memory, per key, with no I/O.
 *
 * <p>For each key, never more than the limit's permits are granted in any sliding window of the
 * limit's length. Limits of up to 64 permits are exact: a key is granted again as soon as its
 * oldest grant has left the window. Larger limits keep a constant memory per key whatever the
 * permits, and may reject a grant up to 1/16 of the window earlier than an exact sliding log
 * would. A rejection's retry time is never above the window. A call under another limit than the
 * key's last (an override, a changed configuration) is decided by the new limit over the grants
 * the key holds. Keys are held in a Caffeine cache bounded to {@code maxKeys} entries
 * (size-based eviction, no timers on the call path); the key {@code ""} of each limit is held
 * apart and never evicted. An evicted key that returns starts with a full window of permits, so
 * keep the bound above the number of keys active within one window. Entries never expire by
 * time: a key stays until evicted, {@linkplain #reset reset} or {@link #close()}d.
 *
 * <p>This class is thread-safe. Calls on different keys share no lock.
 */
public final class InMemoryRateLimitStore implements RateLimitStore, LocalBucket.WindowSource {

    /**
     * A grant that left at most a fifth of the limit, when grants do not report the permits left:
     * equal to {@link Decision#allowed(Backend)}, told apart by identity for the near-limit count.
     */
    public static final Decision NEAR_LIMIT = new Decision(true, Backend.IN_MEMORY, Duration.ZERO,
            Decision.NOT_REPORTED);

    private static final Function<LimitKey, SlidingWindow> NEW_WINDOW = key -> Windows.of(key.limit());

    private final WindowClock clock;
    private final Cache<LimitKey, SlidingWindow> windows;
    private final ConcurrentMap<LimitKey, SlidingWindow> keylessWindows = new ConcurrentHashMap<>();
    private final Instant since;
    private final boolean reportRemaining;

    /**
     * Creates a store holding at most {@code maxKeys} keys, on the system ticker.
     *
     * @param maxKeys the most keys held, at least 1 (the builder validates it)
     */
    public InMemoryRateLimitStore(long maxKeys) {
        this(maxKeys, Ticker.systemTicker(), Clock.systemUTC());
    }

    /**
     * Creates a store as {@link #InMemoryRateLimitStore(long, Ticker, Clock, boolean)} does, whose
     * grants do not report the permits left.
     *
     * @param maxKeys the most keys held, at least 1
     * @param ticker the time source of the limiter, never {@code null}
     * @param clock the wall clock for {@link StoreInfo#since()}, never {@code null}
     */
    public InMemoryRateLimitStore(long maxKeys, Ticker ticker, Clock clock) {
        this(maxKeys, ticker, clock, false);
    }

    /**
     * Creates a store holding at most {@code maxKeys} keys, reading time from {@code ticker}.
     *
     * @param maxKeys the most keys held, at least 1
     * @param ticker the time source of the limiter, never {@code null}
     * @param clock the wall clock for {@link StoreInfo#since()}, never {@code null}
     * @param reportRemaining whether a grant's decision carries the permits left
     */
    public InMemoryRateLimitStore(long maxKeys, Ticker ticker, Clock clock, boolean reportRemaining) {
        this(maxKeys, WindowClock.exact(ticker), clock, reportRemaining);
    }

    /**
     * Creates a store as {@link #InMemoryRateLimitStore(long, Ticker, Clock, boolean)} does, whose
     * windows read {@code windowClock}; {@link #close()} closes it.
     *
     * @param maxKeys the most keys held, at least 1
     * @param windowClock the windows' time
     * @param clock the wall clock, for {@link StoreInfo#since()}
     * @param reportRemaining whether a grant's decision reports the permits left
     */
    public InMemoryRateLimitStore(long maxKeys, WindowClock windowClock, Clock clock, boolean reportRemaining) {
        this.clock = windowClock;
        this.since = clock.instant();
        this.windows = Caffeine.newBuilder().maximumSize(maxKeys).build();
        this.reportRemaining = reportRemaining;
    }

    /** {@inheritDoc} Decided in memory, never blocks on I/O. */
    @Override
    public Decision tryAcquire(LimitKey key, long permits) {
        return tryAcquire(key, permits, Long.MAX_VALUE);
    }

    /**
     * Takes permits as {@link #tryAcquire(LimitKey, long)} does, admitting at most {@code share}
     * permits per window for {@code key} instead of the limit's own: this instance's share of a
     * limit shared with others.
     *
     * @param key the bucket
     * @param permits how many permits, between 1 and the limit's permits
     * @param share the most permits this instance admits per window; at least {@code permits} is
     *     admitted whatever it says
     * @return the decision
     */
    public Decision tryAcquire(LimitKey key, long permits, long share) {
        key.requirePermits(permits);
        long cap = Math.max(share, permits);
        long wait;
        SlidingWindow window;
        do {
            window = window(key);
            wait = window.tryAcquire(clock, permits, cap);
        } while (wait == SlidingWindow.RETIRED);
        return decision(wait, window, clock.read());
    }

    /**
     * Returns the permits a call on {@code key} could take now without being rejected: the limit
     * less what the key holds. Never creates an entry for a key the store does not hold.
     *
     * @param key the bucket
     * @return the permits available, between 0 and the limit's permits
     */
    public long remaining(LimitKey key) {
        SlidingWindow window = existing(key);
        if (window == null) {
            return key.limit().permits();
        }
        if (!window.fits(key.limit())) {
            window = window(key);
        }
        return window.available(clock.read());
    }

    /**
     * Forgets every grant of {@code key}: its next call finds the whole limit.
     *
     * @param key the bucket
     */
    public void reset(LimitKey key) {
        SlidingWindow window = existing(key);
        if (window != null) {
            window.clear(); // in place: a direct handle on a empty key keeps it
        }
    }

    /**
     * Gives back up to {@code permits} of the latest permits {@code key} holds in its window; see
     * {@link RateLimitStore#refund}. Never creates an entry for a key the store does not hold.
     *
     * @param key the bucket
     * @param permits how many permits, at least 1
     */
    @Override
    public void refund(LimitKey key, long permits) {
        giveBack(key, permits);
    }

    /**
     * Gives back permits as {@link #refund} does, and returns how many the key held to give.
     *
     * @param key the bucket
     * @param permits how many permits, at least 1
     * @return the permits given back, between 0 and {@code permits}
     */
    public long giveBack(LimitKey key, long permits) {
        SlidingWindow window = existing(key);
        if (window == null) {
            return 0;
        }
        if (!window.fits(key.limit())) {
            window = window(key);
        }
        return window.giveBack(clock, permits);
    }

    /**
     * Returns the permits {@code key} holds in the window ending now: those granted here and those
     * {@linkplain #record recorded}. Never creates an entry for a key the store does not hold.
     *
     * @param key the bucket
     * @return the permits held, 0 for a key the store does not hold
     */
    public long held(LimitKey key) {
        SlidingWindow window = existing(key);
        return window == null ? 0 : window.heldInWindow(clock.read());
    }

    /**
     * Returns a reading of the ticker this store decides by.
     *
     * @return the reading, in nanoseconds
     */
    public long now() {
        return clock.exact();
    }

    /**
     * The window of a key, for the key's limit: made on first use, and converted when the limit
     * changed. Keys shared by all callers ({@code ""}) are few (one per limit) and hot: they live
     * in a plain map outside the bounded cache, never evicted.
     */
    @Override
    public SlidingWindow window(LimitKey key) {
        boolean shared = key.key().isEmpty();
        SlidingWindow window = shared ? keylessWindows.get(key) : windows.getIfPresent(key);
        if (window != null && window.fits(key.limit())) {
            return window;
        }
        ConcurrentMap<LimitKey, SlidingWindow> map = shared ? keylessWindows : windows.asMap();
        return map.compute(key, (k, old) -> old == null ? NEW_WINDOW.apply(key)
                : old.fits(key.limit()) ? old : old.retireInto(key.limit(), clock.exact(), Windows::successor));
    }

    /** The window of a key if the store holds it, without creating it. */
    public SlidingWindow existing(LimitKey key) {
        return key.key().isEmpty() ? keylessWindows.get(key) : windows.getIfPresent(key);
    }

    /**
     * The decision of a window's answer; a grant reports what the window has left when asked to,
     * and is {@link #NEAR_LIMIT} when it does not and that is at most a fifth of the limit.
     */
    @Override
    public Decision decision(long waitNanos, SlidingWindow window, long read) {
        if (waitNanos > 0) {
            return Decision.rejected(Backend.IN_MEMORY, Duration.ofNanos(waitNanos));
        }
        if (reportRemaining) {
            return Decision.allowed(Backend.IN_MEMORY, window.available(read));
        }
        return waitNanos < 0 ? NEAR_LIMIT : Decision.allowed(Backend.IN_MEMORY);
    }

    /**
     * Returns a direct handle for the calls of one limit on its empty key ({@code ""}): such
     * buckets are never evicted, so the handle saves a lookup per call until {@link #close()}.
     *
     * @return the handle
     */
    public LocalBucket bucket() {
        return new LocalBucket(this, clock);
    }

    /**
     * Counts {@code permits} granted for {@code key} by another store, whether or not they fit
     * here: the window then rejects until those grants have left it.
     *
     * @param key the bucket
     * @param permits the permits granted elsewhere
     */
    public void record(LimitKey key, long permits) {
        while (!window(key).record(clock, permits)) {
            Thread.onSpinWait(); // retired under us: the key's next window counts them
        }
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
        return windows.estimatedSize() + keylessWindows.size();
    }

    /** Drops every key. */
    @Override
    public void close() {
        windows.invalidateAll();
        keylessWindows.clear();
        clock.close();
    }
}
