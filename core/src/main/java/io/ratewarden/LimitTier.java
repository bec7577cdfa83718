package io.ratewarden;

import io.ratewarden.internal.failover.InstanceStore;
import io.ratewarden.internal.call.LimitGate;
import io.ratewarden.internal.failover.OverrideInForce;
import io.ratewarden.internal.window.LocalBucket;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tier of a {@link Limiter}: calls limited by the tier's limit, in buckets of the tier's own,
 * never sharing counts with another tier or with the limit's own keys. Obtained from
 * {@link Limiter#tier(String)}; the tier {@code ""} is the limit's own, which its
 * {@code Limiter} methods use. The limit in force is the tier's override, else its configured
 * limit, else the limit's own (override included). This class is thread-safe.
 */
public final class LimitTier {

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.limits");

    private final String limitName;
    private final String tier;
    private final Limit configuredLimit; // null: the limit's own values (a tier not configured)
    final LimitTier parent; // the limit's own tier, null for itself
    final StoreAccess access;
    final LimitCounters counters;
    final LocalBucket keylessBucket; // the limit's own tier without Redis, else null
    private final UnaryOperator<LimitTier> keeper; // keeps this tier in its limiter once overridden
    private volatile OverrideInForce override;
    private volatile Limit limit;
    private volatile LimitKey keylessKey;
    private final Gate gate = new Gate();

    private LimitTier(String limitName, String tier, Limit configuredLimit, LimitTier parent, StoreAccess access,
                      LimitCounters counters, LocalBucket keylessBucket, UnaryOperator<LimitTier> keeper) {
        this.limitName = limitName;
        this.tier = tier;
        this.configuredLimit = configuredLimit;
        this.parent = parent;
        this.access = access;
        this.counters = counters;
        this.keylessBucket = keylessBucket;
        this.keeper = keeper;
        this.limit = configuredLimit;
        this.keylessKey = configuredLimit == null ? null : LimitKey.of(limitName, tier, configuredLimit, "");
    }

    /** The limit's own tier: {@code configured} unless overridden, with the keyless bucket's short path. */
    static LimitTier own(String limitName, Limit configured, StoreAccess access, LimitCounters counters) {
        return new LimitTier(limitName, "", configured, null, access, counters, access.store().keylessBucket(),
                UnaryOperator.identity());
    }

    /** A tier of the limit whose own tier is {@code own}; {@code configured} null for the limit's values. */
    static LimitTier of(LimitTier own, String tier, Limit configured, UnaryOperator<LimitTier> keeper) {
        return new LimitTier(own.limitName, tier, configured, own, own.access, own.counters, null, keeper);
    }

    /**
     * Returns the tier's name, {@code ""} for the limit's own.
     *
     * @return the name
     */
    public String name() {
        return tier;
    }

    /**
     * Returns the limit in force for this tier: its override, else its configured limit, else the
     * limit's own.
     *
     * @return the limit
     */
    public Limit limit() {
        Limit current = limit;
        return current != null ? current : parent.limit();
    }

    /**
     * Returns this tier's operator override, or {@code null} when none is in force.
     *
     * @return the override, or {@code null}
     */
    public Limit overridden() {
        OverrideInForce current = override;
        return current == null ? null : current.limit();
    }

    /**
     * Takes permits as {@link Limiter#tryAcquire(String, long, FailurePolicy)} does, in this tier.
     *
     * @param key the caller's key
     * @param cost how many permits the call takes, between 1 and the tier's permits
     * @param onStoreFailure the policy for this call; {@link FailurePolicy#DEFAULT} for the
     *     instance's
     * @return the decision, never {@code null}
     * @throws IllegalArgumentException if {@code cost} is out of range
     * @throws IllegalStateException if the instance is closed
     */
    public Decision tryAcquire(String key, long cost, FailurePolicy onStoreFailure) {
        if (key != null && key.isEmpty() && parent == null) {
            return tryAcquireKeyless(cost, onStoreFailure);
        }
        return askStore(access.open(), keyOf(key), cost, onStoreFailure);
    }

    /**
     * Takes permits as {@link Limiter#tryAcquire(String, long)} does, in this tier.
     *
     * @param key the caller's key
     * @param cost how many permits the call takes, between 1 and the tier's permits
     * @return the decision, never {@code null}
     */
    public Decision tryAcquire(String key, long cost) {
        return tryAcquire(key, cost, FailurePolicy.DEFAULT);
    }

    /**
     * Takes one permit for {@code key} in this tier.
     *
     * @param key the caller's key
     * @return the decision, never {@code null}
     */
    public Decision tryAcquire(String key) {
        return tryAcquire(key, 1, FailurePolicy.DEFAULT);
    }

    /** The keyless bucket of the limit's own tier, by the shortest path when memory decides it. */
    Decision tryAcquireKeyless(long cost, FailurePolicy onStoreFailure) {
        InstanceStore store = access.open();
        LocalBucket bucket = keylessBucket;
        if (bucket == null) {
            return askStore(store, keylessKey(), cost, onStoreFailure);
        }
        LimitKey key = keylessKey;
        Decision decision = bucket.tryAcquire(key, cost);
        if (!decision.allowed()) {
            return counters.rejected(decision);
        }
        if (cost != 1) {
            counters.keylessExtra(cost - 1);
        }
        counters.nearLimit(decision, key.limit().permits());
        return decision;
    }

    /**
     * As {@link #tryAcquireKeyless}, allocating nothing in memory: 0 when granted, else the wait
     * in nanoseconds (at least 1), complemented for a store failure (see {@link LimitGate}).
     */
    long tryAcquireKeylessNanos(long cost, FailurePolicy onStoreFailure) {
        InstanceStore store = access.open();
        LocalBucket bucket = keylessBucket;
        if (bucket == null) {
            return LimitGate.result(askStore(store, keylessKey(), cost, onStoreFailure));
        }
        long wait = bucket.tryAcquireNanos(keylessKey, cost);
        if (wait > 0) {
            return counters.rejectedInMemory(wait);
        }
        if (wait < 0) {
            counters.nearLimit(); // a grant that left at most a fifth of the limit
        }
        if (cost != 1) {
            counters.keylessExtra(cost - 1);
        }
        return 0;
    }

    /** The limit's gate for woven calls; meaningful on the limit's own tier. */
    LimitGate gate() {
        return gate;
    }

    /** The woven calls' view of the limit's own tier. */
    private final class Gate implements LimitGate {

        /** The last rejection without stack trace: shared by the calls that get the same answer. */
        private RateLimitExceededException lastRejection;

        @Override
        public long tryAcquireKeyless(long cost, FailurePolicy onStoreFailure) {
            return tryAcquireKeylessNanos(cost, onStoreFailure);
        }

        @Override
        public RateLimitExceededException keylessRejection(long result) {
            LimitKey key = keylessKey();
            RateLimitExceededException last = lastRejection;
            if (last != null && last.encodedRetry() == result && last.limitKey() == key) {
                return last;
            }
            RateLimitExceededException made = rejection(key, result < 0 ? ~result : result, result < 0);
            if (!access.stackTraces()) {
                lastRejection = made;
            }
            return made;
        }

        @Override
        public RateLimitExceededException rejection(LimitKey key, long retryAfterNanos, boolean storeFailure) {
            return new RateLimitExceededException(key, retryAfterNanos, storeFailure, access.stackTraces());
        }
    }

    // Kept apart from the keyless bucket's path, so that the JIT can inline that path into callers.
    private Decision askStore(InstanceStore store, LimitKey key, long cost, FailurePolicy onStoreFailure) {
        Decision decision = store.tryAcquire(key, cost, onStoreFailure);
        if (!decision.allowed()) {
            return counters.rejected(decision);
        }
        counters.permitted(decision, key.limit().permits());
        return decision;
    }

    /**
     * Returns the permits a call for {@code key} in this tier could take now; see
     * {@link Limiter#remaining(String)}.
     *
     * @param key the caller's key
     * @return the permits
     * @throws IllegalStateException if the instance is closed
     * @throws UnsupportedOperationException if a plugged store cannot tell
     */
    public long remaining(String key) {
        return access.open().remaining(keyOf(key));
    }

    /**
     * Forgets every grant of {@code key} in this tier; see {@link Limiter#reset(String)}.
     *
     * @param key the caller's key
     * @throws IllegalStateException if the instance is closed, or if Redis could not be reached
     *     (the key was then reset in this instance's memory only; the message says why)
     * @throws UnsupportedOperationException if a plugged store cannot reset a key
     */
    public void reset(String key) {
        try {
            access.open().reset(keyOf(key));
        } catch (StoreUnavailableException e) {
            throw new IllegalStateException("Limit '" + limitName + "': " + e.getMessage());
        }
    }

    /**
     * Gives back up to {@code permits} permits to {@code key} in this tier, for a call that took
     * them and should not count (it failed, it did nothing): the latest grants still in the key's
     * window are taken out, on the backend that decides (one round trip on Redis), in this
     * instance's memory, and from its over-limit cache. Never leaves more available than the
     * limit's permits: grants that already left the window give nothing back. Blocks at most for
     * the instance's Redis timeout. The calls counted as permitted stay counted.
     *
     * @param key the caller's key
     * @param permits how many permits, at least 1
     * @throws IllegalArgumentException if {@code permits} is below 1
     * @throws IllegalStateException if the instance is closed, or if Redis could not be reached
     *     (the permits were then given back in this instance's memory only; the message says why)
     * @throws UnsupportedOperationException if a plugged store cannot give permits back
     */
    public void refund(String key, long permits) {
        if (permits < 1) {
            throw new IllegalArgumentException("Limit '" + limitName + "': permits to refund must be at least 1, was "
                    + permits);
        }
        try {
            access.open().refund(keyOf(key), permits);
        } catch (StoreUnavailableException e) {
            throw new IllegalStateException("Limit '" + limitName + "': " + e.getMessage());
        }
    }

    LimitKey keyOf(String key) {
        // The tier is normalised already (Limiter.tier): only the caller's key is, per call.
        if (key != null && key.isEmpty()) {
            return keylessKey();
        }
        return new LimitKey(limitName, tier, limit(), LimitKey.normalize(key));
    }

    /** The keyless bucket's key at the limit in force. */
    LimitKey keylessKey() {
        LimitKey current = keylessKey;
        return current != null ? current : LimitKey.of(limitName, tier, limit(), "");
    }

    /** The permits the keyless bucket's window granted in memory, when it decides them. */
    long keylessGranted() {
        LocalBucket bucket = keylessBucket;
        return bucket == null ? 0 : bucket.grantedPermits(keylessKey);
    }

    /**
     * Replaces this tier's limit with {@code limit} until {@link #clearOverride()}; see
     * {@link Limiter#override(Limit)}.
     *
     * @param limit the tier's limit from now on
     * @throws IllegalStateException if Redis could not store it: nothing changed
     */
    public void override(Limit limit) {
        override(limit, null);
    }

    /**
     * Replaces this tier's limit with {@code limit} for {@code expiry}; see
     * {@link Limiter#override(Limit, Duration)}.
     *
     * @param limit the tier's limit for that time
     * @param expiry how long the override lasts, at least 1 ms; {@code null} for no end
     * @throws IllegalStateException if Redis could not store it: nothing changed
     */
    public void override(Limit limit, Duration expiry) {
        Objects.requireNonNull(limit, "limit");
        checkExpiry(expiry);
        OverrideInForce stored = access.storeOverride(limitName, tier, limit, expiry);
        LimitTier kept = keeper.apply(this);
        kept.apply(stored);
        if (kept != this) {
            override = stored; // this view agrees, whichever one the limiter keeps
        }
    }

    /**
     * Ends this tier's override on every instance; see {@link Limiter#clearOverride()}.
     *
     * @throws IllegalStateException if Redis could not store the clear: nothing changed
     */
    public void clearOverride() {
        access.storeOverride(limitName, tier, null, null);
        apply(null);
    }

    static void checkExpiry(Duration expiry) {
        if (expiry != null && expiry.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("expiry must be at least 1 ms, was " + expiry);
        }
    }

    /** Applies an override this instance stored or heard of ({@code null}: none), and ends it on time. */
    void apply(OverrideInForce newOverride) {
        synchronized (this) {
            if (Objects.equals(override, newOverride)) {
                return;
            }
            Limit before = limit();
            override = newOverride;
            limit = newOverride != null ? newOverride.limit() : configuredLimit;
            if (keylessKey != null) {
                keylessKey = keylessKey.withLimit(limit());
            }
            if (!before.equals(limit()) || newOverride != null) {
                LOG.info("{}: {}, was {}", described(), newOverride != null ? "overridden to " + limit() + until(newOverride)
                        : "override cleared, back to " + limit(), before);
            }
        }
        if (newOverride == null || newOverride.deadlineNanos() == OverrideInForce.NEVER) {
            return;
        }
        long delay = Math.max(0, newOverride.deadlineNanos() - System.nanoTime());
        CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS).execute(() -> {
            synchronized (this) {
                if (!newOverride.equals(override)) {
                    return; // replaced or cleared meanwhile
                }
            }
            LOG.info("{}: the override {} ended", described(), newOverride.limit());
            apply(null);
        });
    }

    private static String until(OverrideInForce value) {
        if (value.deadlineNanos() == OverrideInForce.NEVER) {
            return "";
        }
        return " for " + Duration.ofNanos(Math.max(0, value.deadlineNanos() - System.nanoTime())).toMillis() + " ms";
    }

    /** Names the limit, the instance and the tier, as the log lines about them do. */
    String described() {
        return "Limit '" + limitName + "' of Ratewarden '" + access.instanceName() + "'"
                + (tier.isEmpty() ? "" : ", tier '" + tier + "'");
    }

    @Override
    public String toString() {
        return "LimitTier[" + limitName + "@" + tier + ": " + limit() + "]";
    }
}
