package io.ratewarden.redis.internal;

import io.ratewarden.internal.failover.KeyDataException;
import io.ratewarden.internal.failover.ReseedableStore;
import io.ratewarden.internal.failover.NearLimit;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.StoreInfo;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.redisson.api.options.KeysOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store on Redis, shared by every instance that uses the same Redis and key prefix, on one of
 * the two layouts ({@link RedissonLimiterLayout}, {@link CompactLayout}).
 *
 * <ul>
 *   <li><b>One round trip, bounded.</b> Each call is decided by one script, with no Redisson retries
 *       and the Redis timeout as its deadline ({@link RedisCommands}); a failure throws
 *       {@link StoreUnavailableException} with a masked message. Calls for a bucket that has one in
 *       flight from this instance go together in the next script call ({@link CoalescedDecisions}),
 *       unless coalescing is off.</li>
 *   <li><b>The limit travels with the call</b>, so a changed limit reaches every bucket with its
 *       next call, and a bucket that disappeared (restart, flush, eviction, expiry) is simply
 *       made again by it.</li>
 *   <li><b>A bad key costs that key only.</b> A bucket whose Redis keys hold something else
 *       ({@code WRONGTYPE}) throws {@link KeyDataException} and is deleted, so that its next call
 *       makes it again; one WARN per key and minute says so.</li>
 * </ul>
 * This class is thread-safe.
 */
final class RedisRateLimitStore implements ReseedableStore {

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.redis");

    private final RedisCommands redis;
    private final RedisConnection connection;
    private final RedisLayout layout;
    private final long timeoutNanos;
    private final Instant since;
    private final Cache<LimitKey, Boolean> repairing; // keys whose bad data is being deleted
    private final boolean reportRemaining;
    private final CoalescedDecisions coalesced; // null when every call goes on its own

    /**
     * Creates the store, whose grants do not report the permits left.
     *
     * @param redis the connection and its timeout
     * @param layout how buckets are kept
     */
    RedisRateLimitStore(RedisCommands redis, RedisLayout layout) {
        this(redis, layout, false, true);
    }

    /**
     * Creates the store.
     *
     * @param redis the connection and its timeout
     * @param layout how buckets are kept
     * @param reportRemaining whether a grant's decision carries the permits left (which the
     *     decision's script returns anyway)
     * @param coalesce whether calls for one bucket queue behind the one in flight and go together
     *     in the next round trip ({@link CoalescedDecisions})
     */
    RedisRateLimitStore(RedisCommands redis, RedisLayout layout, boolean reportRemaining, boolean coalesce) {
        this.reportRemaining = reportRemaining;
        this.coalesced = coalesce ? new CoalescedDecisions(layout, redis) : null;
        this.redis = redis;
        this.connection = redis.connection();
        this.layout = layout;
        this.timeoutNanos = redis.timeoutNanos();
        this.since = Clock.systemUTC().instant();
        this.repairing = Caffeine.newBuilder().maximumSize(1_000).expireAfterWrite(1, TimeUnit.MINUTES).build();
    }

    /**
     * {@inheritDoc}
     *
     * <p>One round trip: a rejection's {@link Decision#retryAfter()} is when Redis will next have
     * room for {@code permits}, read by the same script that rejected, never above the window.
     *
     * @throws StoreUnavailableException when Redis cannot decide within the timeout
     * @throws KeyDataException when this key's data on Redis is not a bucket's (the key is
     *     deleted in the background; other keys are unaffected)
     */
    @Override
    public Decision tryAcquire(LimitKey key, long permits) {
        return tryAcquire(key, permits, 0);
    }

    /**
     * {@inheritDoc} One round trip, as {@link #tryAcquire(LimitKey, long)}.
     */
    @Override
    public Decision tryAcquire(LimitKey key, long permits, long heldHere) {
        key.requirePermits(permits);
        long result;
        try {
            long deadline = System.nanoTime() + timeoutNanos;
            result = coalesced != null ? coalesced.decide(key, permits, heldHere, deadline)
                    : layout.decide(key, permits, heldHere, deadline);
        } catch (KeyDataException e) {
            repair(key, e);
            throw e;
        }
        return decisionOf(key, result);
    }

    /** {@inheritDoc} On the compact layout, where the buckets' keys go in one script call: not on a cluster. */
    @Override
    public boolean decidesTogether() {
        return !connection.cluster() && layout.decidesTogether();
    }

    /**
     * {@inheritDoc} One round trip, without coalescing: the buckets' own calls in flight are not
     * waited for (Redis runs each script whole, so the order between them does not matter).
     *
     * @throws StoreUnavailableException when Redis cannot decide within the timeout
     * @throws KeyDataException when one of the keys' data on Redis is not a bucket's (which one is
     *     not known here: each key's own next call finds it)
     */
    @Override
    public Decision[] tryAcquireTogether(LimitKey[] keys, long[] permits, long[] heldHere) {
        for (int i = 0; i < keys.length; i++) {
            keys[i].requirePermits(permits[i]);
        }
        long[] results = layout.decideTogether(keys, permits, heldHere, System.nanoTime() + timeoutNanos);
        if (results == null) {
            throw new UnsupportedOperationException("this Redis layout decides one limit per round trip");
        }
        Decision[] decisions = new Decision[keys.length];
        for (int i = 0; i < results.length; i++) {
            decisions[i] = decisionOf(keys[i], results[i]);
        }
        return decisions;
    }

    /** A decision of a script's result: the permits left, or minus the µs until room. */
    private Decision decisionOf(LimitKey key, long result) {
        if (result >= 0) {
            return NearLimit.byRedis(result, key.limit().permits(), reportRemaining);
        }
        long waitNanos = Math.min(TimeUnit.MICROSECONDS.toNanos(-result), key.limit().window().toNanos());
        return Decision.rejected(Backend.REDIS, Duration.ofNanos(waitNanos));
    }

    /**
     * Returns the permits a call on {@code key} could take now, without taking any: one round
     * trip.
     *
     * @param key the bucket
     * @return the permits, between 0 and the limit's
     * @throws StoreUnavailableException when Redis cannot answer within the timeout
     */
    @Override
    public long remaining(LimitKey key) {
        try {
            return layout.remaining(key, System.nanoTime() + timeoutNanos);
        } catch (KeyDataException e) {
            repair(key, e);
            throw e;
        }
    }

    /**
     * Forgets every grant of {@code key} on Redis: one round trip.
     *
     * @param key the bucket
     * @throws StoreUnavailableException when Redis cannot answer within the timeout
     */
    @Override
    public void reset(LimitKey key) {
        layout.reset(key, System.nanoTime() + timeoutNanos);
    }

    /**
     * Gives back up to {@code permits} of the latest permits {@code key} holds in its window on
     * Redis: one round trip.
     *
     * @param key the bucket
     * @param permits how many permits, at least 1
     * @throws StoreUnavailableException when Redis cannot answer within the timeout
     */
    @Override
    public void refund(LimitKey key, long permits) {
        layout.refund(key, permits, System.nanoTime() + timeoutNanos);
    }

    /**
     * Deletes a key whose data is not a bucket's, so that the next call makes it again. Its grants
     * in the window are lost: for one window that key admits up to its limit again.
     */
    private void repair(LimitKey key, KeyDataException cause) {
        if (repairing.asMap().putIfAbsent(key, Boolean.TRUE) != null) {
            return; // another call on this key found it first
        }
        LOG.warn("Redis {}: the data of limit '{}' for one key is not a limiter's ({}); re-creating that key from"
                + " the grants this instance holds of it (other instances' grants in the window are not counted"
                + " again). Other keys are unaffected.",
                connection.maskedUrl(), key.limitName(), cause.getMessage());
        connection.client().getKeys(KeysOptions.defaults().timeout(redis.timeout()).retryAttempts(0))
                .deleteAsync(layout.keysOf(key).toArray(new String[0]));
    }

    /**
     * Sets what hears of a bucket Redis re-created from this instance's grants; a bucket this
     * store deleted for bad data is said by that WARN alone.
     */
    void onReseed(BiConsumer<LimitKey, Long> listener) {
        redis.onReseed((key, grants) -> {
            if (repairing.getIfPresent(key) == null) {
                listener.accept(key, grants);
            }
        });
    }

    /** Redis decides: healthy unless a call fails, which this store does not track. */
    @Override
    public boolean isHealthy() {
        return true;
    }

    @Override
    public StoreInfo info() {
        return new StoreInfo(Backend.REDIS, true, connection.maskedUrl(), since, 0, 0, null, null, null, 0);
    }

    /** Closes the connection (a client passed in by the user stays open). */
    @Override
    public void close() {
        redis.close();
    }
}
