package io.ratewarden.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.StoreInfo;
import io.ratewarden.Ticker;
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
 * permits, and may refuse a grant up to 1/16 of the window earlier than an exact sliding log
 * would. A refusal's retry time is never above the window. Keys are held in a
 * Caffeine cache bounded to {@code maxKeys} entries (size-based eviction, no timers on the call
 * path); the key {@code ""} of each limit is held apart and never evicted. An evicted key that
 * returns starts with a full window of permits, so keep the bound above the number of keys
 * active within one window. Keys that another store (Redis) {@linkplain #refusedElsewhere
 * refused} are also noted, in a second cache with the same bound, read only in the window after
 * that store fails.
 *
 * <p>This class is thread-safe. Calls on different keys share no lock.
 */
public final class InMemoryRateLimitStore implements RateLimitStore {

    private static final Function<LimitKey, SlidingWindow> NEW_WINDOW =
            key -> SlidingWindow.of(key.limit().permits(), key.limit().window().toNanos());

    private static final Function<LimitKey, Refusal> NEW_REFUSAL = key -> new Refusal();

    private final Ticker ticker;
    private final Cache<LimitKey, SlidingWindow> windows;
    private final Cache<LimitKey, Refusal> refusals; // only keys another store refused
    private final ConcurrentMap<LimitKey, SlidingWindow> sharedWindows = new ConcurrentHashMap<>();
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
        this.windows = Caffeine.newBuilder().maximumSize(maxKeys).build();
        this.refusals = Caffeine.newBuilder().maximumSize(maxKeys).build();
    }

    /** {@inheritDoc} Decided in memory, never blocks on I/O. */
    @Override
    public Decision tryAcquire(LimitKey key, long permits) {
        checkPermits(key, permits);
        return decision(window(key).tryAcquire(ticker, permits));
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
        return decision(window(key).tryAcquire(ticker, permits, Math.max(share, permits)));
    }

    /**
     * Takes permits as {@link #tryAcquire(LimitKey, long, long)} does, for a call decided here
     * because the store that decided {@code key} until {@code failedAt} failed (Redis, whose grants
     * were {@linkplain #record recorded} here). If that store had {@linkplain #refusedElsewhere
     * refused} the key within the window before the failure, the limit was full across all
     * instances: until one window after the failure this store then admits no more than the
     * grants it held at the failure, and no more than {@code share}. Otherwise it admits
     * {@code share}.
     *
     * @param key the bucket
     * @param permits how many permits, between 1 and the limit's permits
     * @param share the most permits this instance admits per window, at least {@code permits}
     * @param failedAt the {@link Ticker} reading of this store's ticker when the other store failed
     * @return the decision
     */
    Decision tryAcquireAfterFailure(LimitKey key, long permits, long share, long failedAt) {
        checkPermits(key, permits);
        long limit = Math.max(share, permits);
        long read = ticker.read();
        long windowNanos = key.limit().window().toNanos();
        long firstWindowEnds = failedAt + windowNanos;
        Refusal refusal;
        if (read >= firstWindowEnds || (refusal = refusals.getIfPresent(key)) == null
                || !refusal.refusedAfter(failedAt - windowNanos)) {
            return decision(window(key).tryAcquireAt(read, permits, limit));
        }
        SlidingWindow window = window(key);
        long held = refusal.heldAt(failedAt, window, read);
        long waitNanos = window.tryAcquireAt(read, permits, Math.min(limit, held));
        return decision(waitNanos == 0 ? 0 : Math.max(1, Math.min(waitNanos, firstWindowEnds - read)));
    }

    /**
     * Returns whether another store (Redis) had no room on {@code key} at some time within the
     * last {@code nanos}, by its {@linkplain #refusedElsewhere refusals}. Never creates an entry.
     */
    boolean refusedElsewhereWithin(LimitKey key, long nanos) {
        Refusal refusal = refusals.getIfPresent(key);
        return refusal != null && refusal.refusedAfter(ticker.read() - nanos);
    }

    /** A reading of the ticker this store decides by, in nanoseconds. */
    long now() {
        return ticker.read();
    }

    /**
     * The window of a key. Keys shared by all callers ({@code ""}) are few (one per limit) and hot:
     * they live in a plain map outside the bounded cache, never evicted.
     */
    SlidingWindow window(LimitKey key) {
        if (key.key().isEmpty()) {
            SlidingWindow shared = sharedWindows.get(key);
            return shared != null ? shared : sharedWindows.computeIfAbsent(key, NEW_WINDOW);
        }
        return windows.get(key, NEW_WINDOW);
    }

    /** The window of a shared key if the store holds it, without creating it. */
    SlidingWindow existingWindow(LimitKey key) {
        return sharedWindows.get(key);
    }

    private static Decision decision(long waitNanos) {
        return waitNanos == 0
                ? Decision.allowed(Backend.IN_MEMORY)
                : Decision.rejected(Backend.IN_MEMORY, Duration.ofNanos(waitNanos));
    }

    /**
     * Returns a direct handle on the bucket of {@code key}, which must be a limit's shared key
     * ({@code ""}): such buckets are never evicted, so the handle stays valid until
     * {@link #close()}.
     *
     * @param key a shared key
     * @return the handle
     * @throws IllegalArgumentException if the key is not {@code ""}
     */
    public LocalBucket bucket(LimitKey key) {
        if (!key.key().isEmpty()) {
            throw new IllegalArgumentException("only the shared key \"\" of a limit has a direct handle");
        }
        return new LocalBucket(key, this, ticker);
    }

    /**
     * Counts {@code permits} granted for {@code key} by another store, so that this store is
     * warm when it takes over: it then refuses until those grants have left the window.
     *
     * @param key the bucket
     * @param permits the permits granted elsewhere
     */
    public void record(LimitKey key, long permits) {
        window(key).record(ticker, permits);
    }

    /**
     * Notes that another store (Redis) refused {@code permits} on {@code key} and has no room for
     * them for {@code waitNanos}: the limit had no room for that call across all instances. Read by
     * {@link #refusedElsewhereFor} and {@link #tryAcquireAfterFailure}.
     *
     * @param key the bucket
     * @param permits the refused call's permits
     * @param waitNanos how long the other store has no room for them, at least 1
     */
    void refusedElsewhere(LimitKey key, long permits, long waitNanos) {
        refusals.get(key, NEW_REFUSAL).refusedAt(ticker.read(), permits, waitNanos);
    }

    /**
     * Returns how long, from now, the other store has no room for {@code permits} on {@code key}
     * by its last {@linkplain #refusedElsewhere refusal}, or 0 when no refusal answers that (none
     * noted, expired, or for fewer permits). Never creates an entry.
     *
     * @param key the bucket
     * @param permits the call's permits
     * @return the nanoseconds until the other store may have room, or 0
     */
    long refusedElsewhereFor(LimitKey key, long permits) {
        Refusal refusal = refusals.getIfPresent(key);
        return refusal == null ? 0 : refusal.refusedFor(ticker.read(), permits);
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
        return windows.estimatedSize() + sharedWindows.size();
    }

    /** Drops every key. */
    @Override
    public void close() {
        windows.invalidateAll();
        refusals.invalidateAll();
        sharedWindows.clear();
    }

    static void checkPermits(LimitKey key, long permits) {
        if (permits < 1 || permits > key.limit().permits()) {
            throw new IllegalArgumentException("permits must be between 1 and "
                    + key.limit().permits() + " for limit '" + key.limitName() + "', was " + permits);
        }
    }
}
