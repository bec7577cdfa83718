package io.ratewarden;

import io.ratewarden.internal.settings.ConfiguredLimit;
import io.ratewarden.internal.failover.InstanceStore;
import io.ratewarden.internal.window.LocalBucket;
import io.ratewarden.internal.failover.OverrideInForce;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named limit of a {@link Ratewarden} instance, obtained from
 * {@link Ratewarden#limit(String, Limit)}. Asks the instance's store for permits per key.
 *
 * <h2>The limit in force</h2>
 * An operator's {@linkplain #override(Limit) override} comes first, then configuration
 * ({@code ratewarden.limits.<name>.permits} and {@code .window}), then the code's definition. A
 * change reaches the grants the keys already hold at once: an exhausted key whose limit is raised
 * from 5 to 8 gets 3 more, not 8. {@linkplain #tier(String) Tiers} have limits of their own and
 * never share counts with each other or with the limit's own keys.
 *
 * <h2>Shadow mode</h2>
 * A limit in shadow mode ({@link #isShadow()}) decides and counts every call as usual, but a call
 * it would reject proceeds: it is granted, counted by {@link #shadowRejected()}, and said once a
 * minute at most at INFO, naming the limit, never a key.
 *
 * <p>This class is thread-safe.
 */
public final class Limiter {

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.limits");
    private static final long SHADOW_LOG_INTERVAL_NANOS = 60_000_000_000L;

    private final Ratewarden owner;
    private final String name;
    private final Limit configured;
    private final ConfiguredLimit configuration;
    private final boolean shadow;
    private final LocalBucket keylessBucket;
    private final ConcurrentMap<String, Tier> tiers = new ConcurrentHashMap<>();
    private final Tier own = new Tier("", null);
    private volatile OverrideInForce override;
    private volatile Limit limit;
    private volatile LimitKey keylessKey;
    // Calls granted are counted by the store's window for the keyless bucket (no cost per call),
    // here for every other key, by the backend that decided; a keyless call of n permits adds
    // n - 1 to keylessExtraPermits. The keyless bucket exists only in memory.
    private final LongAdder permittedByRedis = new LongAdder();
    private final LongAdder permittedInMemory = new LongAdder();
    private final LongAdder keylessExtraPermits = new LongAdder();
    private final LongAdder rejectedByRedis = new LongAdder();
    private final LongAdder rejectedInMemory = new LongAdder();
    private final LongAdder shadowRejectedByRedis = new LongAdder();
    private final LongAdder shadowRejectedInMemory = new LongAdder();
    private final LongAdder storeFailureRejected = new LongAdder();
    private final AtomicLong shadowLoggedAt = new AtomicLong(System.nanoTime() - SHADOW_LOG_INTERVAL_NANOS);

    /**
     * @param configured the limit without an override: configuration over the code's definition
     * @param configuration what configuration says of the limit: its tiers
     * @param shadow whether the limit rejects nothing
     */
    Limiter(Ratewarden owner, String name, Limit configured, ConfiguredLimit configuration, boolean shadow,
            InstanceStore store) {
        this.owner = owner;
        this.name = name;
        this.configured = configured;
        this.configuration = configuration;
        this.shadow = shadow;
        this.limit = configured;
        this.keylessKey = LimitKey.of(name, configured, "");
        // Without Redis, the keyless bucket is asked directly: the hot path of a limit without key.
        this.keylessBucket = store.keylessBucket();
        configuration.tiers().keySet().forEach(this::tier);
    }

    /**
     * Takes {@code cost} permits for {@code key} if they are all available now, else takes none.
     * Blocks at most for the instance's Redis timeout.
     *
     * @param key the caller's key; {@code ""} is the limit's keyless bucket, one for all callers,
     *     {@code null} is taken as the text {@code null}, keys over 128 characters are replaced by
     *     a stable hash
     * @param cost how many permits the call takes, between 1 and the limit's permits
     * @return the decision, never {@code null}; in shadow mode always a grant
     * @throws IllegalArgumentException if {@code cost} is out of range
     * @throws IllegalStateException if the instance is closed
     */
    public Decision tryAcquire(String key, long cost) {
        return tryAcquire(key, cost, FailurePolicy.DEFAULT);
    }

    /**
     * Takes permits as {@link #tryAcquire(String, long)} does, with {@code onStoreFailure} deciding
     * the call when Redis cannot.
     *
     * @param key the caller's key
     * @param cost how many permits the call takes, between 1 and the limit's permits
     * @param onStoreFailure the policy for this call; {@link FailurePolicy#DEFAULT} for the
     *     instance's
     * @return the decision, never {@code null}
     * @throws IllegalArgumentException if {@code cost} is out of range
     * @throws IllegalStateException if the instance is closed
     */
    public Decision tryAcquire(String key, long cost, FailurePolicy onStoreFailure) {
        if (key != null && key.isEmpty()) {
            return tryAcquireKeyless(cost, onStoreFailure);
        }
        return askStore(owner.openStore(), LimitKey.of(name, limit, key), cost, onStoreFailure);
    }

    /**
     * Takes {@code cost} permits from the limit's keyless bucket, the key {@code ""} that all
     * callers share: the same decision as {@code tryAcquire("", cost, onStoreFailure)}, by the
     * shortest path. Blocks at most for the instance's Redis timeout.
     *
     * @param cost how many permits the call takes, between 1 and the limit's permits
     * @param onStoreFailure the policy for this call; {@link FailurePolicy#DEFAULT} for the
     *     instance's
     * @return the decision, never {@code null}
     * @throws IllegalArgumentException if {@code cost} is out of range
     * @throws IllegalStateException if the instance is closed
     */
    public Decision tryAcquireKeyless(long cost, FailurePolicy onStoreFailure) {
        InstanceStore store = owner.openStore();
        LocalBucket bucket = keylessBucket;
        if (bucket == null) {
            return askStore(store, keylessKey, cost, onStoreFailure);
        }
        Decision decision = bucket.tryAcquire(keylessKey, cost);
        if (!decision.allowed()) {
            return countRejection(decision);
        }
        if (cost != 1) {
            keylessExtraPermits.add(cost - 1);
        }
        return decision;
    }

    /**
     * Takes permits from the keyless bucket: {@link #tryAcquireKeyless(long, FailurePolicy)}.
     *
     * @param cost how many permits the call takes
     * @param onStoreFailure the policy for this call
     * @return the decision
     * @deprecated renamed {@link #tryAcquireKeyless(long, FailurePolicy)}: "shared" means shared by
     *     instances elsewhere; this name goes in a later release
     */
    @Deprecated(since = "0.1.0", forRemoval = true)
    public Decision tryAcquireShared(long cost, FailurePolicy onStoreFailure) {
        return tryAcquireKeyless(cost, onStoreFailure);
    }

    // Kept apart from the keyless bucket's path, so that the JIT can inline that path into callers.
    private Decision askStore(InstanceStore store, LimitKey key, long cost, FailurePolicy onStoreFailure) {
        Decision decision = store.tryAcquire(key, cost, onStoreFailure);
        if (!decision.allowed()) {
            return countRejection(decision);
        }
        (decision.decidedBy() == Backend.REDIS ? permittedByRedis : permittedInMemory).increment();
        return decision;
    }

    /**
     * Counts a rejection; in shadow mode counts it as such and grants the call instead. A rejection
     * because the store could not decide is counted apart: the limit did not reject it.
     */
    private Decision countRejection(Decision decision) {
        if (decision.storeFailure()) {
            storeFailureRejected.increment();
            return shadow ? Decision.allowed(Backend.IN_MEMORY) : decision;
        }
        boolean byRedis = decision.decidedBy() == Backend.REDIS;
        if (!shadow) {
            (byRedis ? rejectedByRedis : rejectedInMemory).increment();
            return decision;
        }
        (byRedis ? shadowRejectedByRedis : shadowRejectedInMemory).increment();
        long now = System.nanoTime();
        long logged = shadowLoggedAt.get();
        if (now - logged >= SHADOW_LOG_INTERVAL_NANOS && shadowLoggedAt.compareAndSet(logged, now)) {
            LOG.info("Limit '{}' of Ratewarden '{}' is in shadow mode and would have rejected calls: {} so far",
                    name, owner.name(), shadowRejected());
        }
        return Decision.allowed(decision.decidedBy());
    }

    /**
     * Returns the permits a call for {@code key} could take now, without taking any: the limit
     * less what the key holds on the backend that decides. One round trip on Redis, none in
     * memory; blocks at most for the instance's Redis timeout. While Redis cannot answer, memory
     * answers, within this instance's share of the limit.
     *
     * @param key the caller's key, normalised as {@link #tryAcquire(String, long)} does
     * @return the permits, between 0 and the limit's permits
     * @throws IllegalStateException if the instance is closed
     * @throws UnsupportedOperationException if a plugged store cannot tell
     */
    public long remaining(String key) {
        return owner.openStore().remaining(keyOf(key));
    }

    /**
     * Forgets every grant of {@code key}, so that its next call finds the whole limit: on the
     * backend that decides (one round trip on Redis), in this instance's memory and in its
     * over-limit cache. Other instances on Redis see the reset with their next call on Redis;
     * a rejection one of them cached keeps rejecting that key there until its retry time, at most
     * one window. Blocks at most for the instance's Redis timeout.
     *
     * @param key the caller's key, normalised as {@link #tryAcquire(String, long)} does
     * @throws IllegalStateException if the instance is closed, or if Redis could not be reached
     *     (the key was then reset in this instance's memory only; the message says why)
     * @throws UnsupportedOperationException if a plugged store cannot reset a key
     */
    public void reset(String key) {
        reset(keyOf(key));
    }

    private void reset(LimitKey key) {
        try {
            owner.openStore().reset(key);
        } catch (StoreUnavailableException e) {
            throw new IllegalStateException("Limit '" + name + "': " + e.getMessage());
        }
    }

    private LimitKey keyOf(String key) {
        return key != null && key.isEmpty() ? keylessKey : LimitKey.of(name, limit, key);
    }

    /**
     * Takes one permit for {@code key}; see {@link #tryAcquire(String, long)}.
     *
     * @param key the caller's key
     * @return the decision, never {@code null}
     */
    public Decision tryAcquire(String key) {
        return tryAcquire(key, 1);
    }

    /**
     * Returns a tier of this limit: its calls are limited by the tier's own limit (configured as
     * {@code ratewarden.limits.<name>.tiers.<tier>.*}, set with
     * {@link Ratewarden.Builder#tier(String, String, Limit)}, or {@linkplain Tier#override
     * overridden}), or by this limit's own when the tier has none; in buckets of their own either
     * way. {@code null} or {@code ""} is the limit itself, without a tier.
     *
     * @param tier the tier's name; names over 128 characters are replaced by a stable hash
     * @return the tier, never {@code null}
     */
    public Tier tier(String tier) {
        if (tier == null || tier.isEmpty()) {
            return own;
        }
        String normal = LimitKey.normalize(tier);
        Tier known = tiers.get(normal);
        if (known != null) {
            return known;
        }
        ConfiguredLimit tierConfiguration = configuration.tier(normal);
        if (tierConfiguration == ConfiguredLimit.NONE) {
            return new Tier(normal, null); // the limit's own values: nothing to keep
        }
        Limit tierLimit = Limit.of(
                tierConfiguration.permits() != null ? tierConfiguration.permits() : configured.permits(),
                tierConfiguration.window() != null ? tierConfiguration.window() : configured.window());
        return tiers.computeIfAbsent(normal, t -> new Tier(t, tierLimit));
    }

    /**
     * Returns the limit's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the limit in force: the override, else configuration over the code's definition.
     *
     * @return the limit
     */
    public Limit limit() {
        return limit;
    }

    /**
     * Returns the override in force, if any.
     *
     * @return the override, or {@code null}
     */
    public Limit overridden() {
        OverrideInForce current = override;
        return current == null ? null : current.limit();
    }

    /**
     * Replaces the limit in force with {@code limit} until {@link #clearOverride()}, for every
     * key of the limit at once (its tiers keep their own limits; override them through
     * {@link #tier(String)}). On Redis the override is kept in Redis: every instance on it applies
     * it within two probe intervals, instances started later pick it up, and an override that Redis
     * loses (a restart without persistence, a flush, an eviction) is written back by the instances
     * that applied it. Without Redis it holds for this instance. Logged once at INFO with the old
     * and the new limit. Blocks while Redis stores it, at most 5 seconds.
     *
     * @param limit the limit in force from now on
     * @throws IllegalStateException if the instance is on Redis and the override was not stored:
     *     the message says whether nothing changed, or whether the outcome is unknown (Redis did not
     *     answer in time and may still apply it; the instance then reads back what Redis holds
     *     within one probe interval)
     */
    public void override(Limit limit) {
        override(limit, null);
    }

    /**
     * Replaces the limit in force with {@code limit} for {@code expiry}, then the limit in force is
     * the configured one again, on every instance, by itself; otherwise as {@link #override(Limit)}.
     *
     * @param limit the limit in force from now on
     * @param expiry how long the override lasts, at least a millisecond; {@code null} for no end
     * @throws IllegalArgumentException if {@code expiry} is under a millisecond
     * @throws IllegalStateException as {@link #override(Limit)}
     */
    public void override(Limit limit, Duration expiry) {
        Objects.requireNonNull(limit, "limit");
        checkExpiry(expiry);
        applyOverride("", owner.storeOverride(name, "", limit, expiry));
    }

    /**
     * Removes the override: the configured limit is in force again, on every instance as
     * {@link #override(Limit)} says.
     *
     * @throws IllegalStateException if the instance is on Redis and Redis could not store the clear
     *     (the message says whether nothing changed or the outcome is unknown)
     */
    public void clearOverride() {
        owner.storeOverride(name, "", null, null);
        applyOverride("", null);
    }

    static void checkExpiry(Duration expiry) {
        if (expiry != null && expiry.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("expiry must be at least 1 ms, was " + expiry);
        }
    }

    /**
     * Applies an override heard of (from Redis, or set here): {@code null} clears it. Logs a
     * change once at INFO; an override with an end is cleared by itself at its deadline.
     */
    void applyOverride(String tier, OverrideInForce newOverride) {
        if (!tier.isEmpty()) {
            Tier configuredTier = tier(tier); // the configured one, or a new one with the limit's own values
            Tier target = newOverride == null ? tiers.get(tier) : tiers.computeIfAbsent(tier, t -> configuredTier);
            if (target != null) {
                target.apply(newOverride);
            }
            return;
        }
        synchronized (this) {
            if (Objects.equals(override, newOverride)) {
                return;
            }
            Limit before = limit;
            override = newOverride;
            limit = newOverride != null ? newOverride.limit() : configured;
            keylessKey = keylessKey.withLimit(limit);
            if (!before.equals(limit) || newOverride != null) {
                LOG.info("Limit '{}' of Ratewarden '{}': {}, was {}", name, owner.name(),
                        newOverride != null ? "overridden to " + limit + until(newOverride)
                                : "override cleared, back to " + limit, before);
            }
        }
        whenEnded(newOverride, () -> {
            synchronized (this) {
                if (!newOverride.equals(override)) {
                    return; // replaced or cleared meanwhile
                }
            }
            LOG.info("Limit '{}' of Ratewarden '{}': the override {} ended", name, owner.name(), newOverride.limit());
            applyOverride("", null);
        });
    }

    /** Runs {@code end} at {@code value}'s deadline, on a pool thread; nothing for no deadline. */
    private static void whenEnded(OverrideInForce value, Runnable end) {
        if (value == null || value.deadlineNanos() == OverrideInForce.NEVER) {
            return;
        }
        long delay = Math.max(0, value.deadlineNanos() - System.nanoTime());
        CompletableFuture.delayedExecutor(delay, TimeUnit.NANOSECONDS).execute(end);
    }

    private static String until(OverrideInForce value) {
        if (value.deadlineNanos() == OverrideInForce.NEVER) {
            return "";
        }
        return " for " + Duration.ofNanos(Math.max(0, value.deadlineNanos() - System.nanoTime())).toMillis() + " ms";
    }

    /**
     * Returns the names of the tiers this limit keeps: those configured and those overridden, in
     * name order. Tiers seen only in calls, with the limit's own values, are not kept.
     *
     * @return the tier names, never {@code null}
     */
    public List<String> tierNames() {
        return tiers.keySet().stream().sorted().toList();
    }

    /**
     * Returns whether the limit is in shadow mode: it rejects nothing, and counts what it would
     * have rejected. Set by configuration ({@code ratewarden.limits.<name>.shadow}), else by
     * {@link RateLimited#shadow()} or {@link Ratewarden.Builder#shadow(boolean)}.
     *
     * @return whether in shadow mode
     */
    public boolean isShadow() {
        return shadow;
    }

    @Override
    public String toString() {
        return "Limiter[" + name + ": " + limit + "]";
    }

    /**
     * Returns how many calls this limit granted since it was defined, whichever backend decided,
     * shadow-mode grants of calls it would have rejected excluded. Exact once no call is in flight;
     * never decreases. Does no I/O.
     *
     * @return the calls granted
     */
    public long permitted() {
        return permitted(Backend.REDIS) + permitted(Backend.IN_MEMORY);
    }

    /**
     * Returns how many calls this limit rejected since it was defined, whichever backend decided.
     *
     * @return the calls rejected
     */
    public long rejected() {
        return rejected(Backend.REDIS) + rejected(Backend.IN_MEMORY);
    }

    /**
     * Returns how many calls were rejected because the store could not decide them (Redis did not
     * answer in time or is unavailable) under the {@link FailurePolicy#REJECT} policy: not the
     * limit's rejections, and not counted by {@link #rejected()}.
     *
     * @return the calls rejected for a store failure
     */
    public long storeFailureRejected() {
        return storeFailureRejected.sum();
    }

    /**
     * Returns how many calls this limit would have rejected in shadow mode, and let through.
     *
     * @return the calls let through that the limit would have rejected
     */
    public long shadowRejected() {
        return shadowRejected(Backend.REDIS) + shadowRejected(Backend.IN_MEMORY);
    }

    /**
     * Returns how many calls {@code backend} would have rejected in shadow mode.
     *
     * @param backend the backend, never {@code null}
     * @return the calls let through that {@code backend} would have rejected
     */
    public long shadowRejected(Backend backend) {
        return (backend == Backend.REDIS ? shadowRejectedByRedis : shadowRejectedInMemory).sum();
    }

    /**
     * Returns how many calls {@code backend} granted for this limit since it was defined: the
     * calls whose {@link Decision#decidedBy()} was {@code backend}. Exact once no call is in
     * flight; never decreases. Does no I/O.
     *
     * @param backend the backend, never {@code null}
     * @return the calls granted by {@code backend}
     */
    public long permitted(Backend backend) {
        if (backend == Backend.REDIS) {
            return permittedByRedis.sum();
        }
        long shared = keylessBucket == null ? 0 : keylessBucket.grantedPermits(keylessKey) - keylessExtraPermits.sum();
        return permittedInMemory.sum() + shared;
    }

    /**
     * Returns how many calls {@code backend} rejected for this limit since it was defined,
     * counting rejections from the over-limit cache as Redis's.
     *
     * @param backend the backend, never {@code null}
     * @return the calls rejected by {@code backend}
     */
    public long rejected(Backend backend) {
        return (backend == Backend.REDIS ? rejectedByRedis : rejectedInMemory).sum();
    }

    /**
     * Returns this limit's counters, read at once: the same record {@link Ratewarden#metrics()}
     * holds for it. Does no I/O.
     *
     * @return the counters
     */
    public Metrics.LimitMetrics metrics() {
        return new Metrics.LimitMetrics(name, limit(), isShadow(), permitted(Backend.REDIS),
                permitted(Backend.IN_MEMORY), rejected(Backend.REDIS), rejected(Backend.IN_MEMORY),
                shadowRejected(Backend.REDIS), shadowRejected(Backend.IN_MEMORY), storeFailureRejected());
    }

    /** Whether {@code other} is what this limit is without an override. */
    boolean sameDefinition(Limit other) {
        return configured.equals(other);
    }

    /**
     * One tier of a {@link Limiter}: calls limited by the tier's limit, in buckets of the tier's
     * own. Obtained from {@link Limiter#tier(String)}. This class is thread-safe.
     */
    public final class Tier {
        private final String tier;
        private final Limit configuredLimit; // null: the limiter's own values
        private volatile OverrideInForce tierOverride;

        private Tier(String tier, Limit configuredLimit) {
            this.tier = tier;
            this.configuredLimit = configuredLimit;
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
         * Returns the limit in force for this tier: its override, else its configured limit,
         * else the limiter's own.
         *
         * @return the limit
         */
        public Limit limit() {
            OverrideInForce overridden = tierOverride;
            if (overridden != null) {
                return overridden.limit();
            }
            return configuredLimit != null ? configuredLimit : Limiter.this.limit;
        }

        /**
         * Takes permits as {@link Limiter#tryAcquire(String, long, FailurePolicy)} does, in this
         * tier.
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
            if (tier.isEmpty()) {
                return Limiter.this.tryAcquire(key, cost, onStoreFailure);
            }
            return askStore(owner.openStore(), LimitKey.of(name, tier, limit(), key), cost, onStoreFailure);
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

        /**
         * Returns the permits a call for {@code key} in this tier could take now; see
         * {@link Limiter#remaining(String)}.
         *
         * @param key the caller's key
         * @return the permits
         */
        public long remaining(String key) {
            return tier.isEmpty() ? Limiter.this.remaining(key)
                    : owner.openStore().remaining(LimitKey.of(name, tier, limit(), key));
        }

        /**
         * Forgets every grant of {@code key} in this tier; see {@link Limiter#reset(String)}.
         *
         * @param key the caller's key
         */
        public void reset(String key) {
            if (tier.isEmpty()) {
                Limiter.this.reset(key);
            } else {
                Limiter.this.reset(LimitKey.of(name, tier, limit(), key));
            }
        }

        /**
         * Replaces this tier's limit with {@code limit} until {@link #clearOverride()}; see
         * {@link Limiter#override(Limit)}.
         *
         * @param limit the tier's limit from now on
         * @throws IllegalStateException if Redis did not store the override (see
         *     {@link Limiter#override(Limit)})
         */
        public void override(Limit limit) {
            override(limit, null);
        }

        /**
         * Replaces this tier's limit with {@code limit} for {@code expiry}; see
         * {@link Limiter#override(Limit, Duration)}.
         *
         * @param limit the tier's limit from now on
         * @param expiry how long the override lasts, at least a millisecond; {@code null} for no end
         * @throws IllegalArgumentException if {@code expiry} is under a millisecond
         * @throws IllegalStateException if Redis did not store the override
         */
        public void override(Limit limit, Duration expiry) {
            Objects.requireNonNull(limit, "limit");
            if (tier.isEmpty()) {
                Limiter.this.override(limit, expiry);
                return;
            }
            checkExpiry(expiry);
            OverrideInForce stored = owner.storeOverride(name, tier, limit, expiry);
            tiers.computeIfAbsent(tier, t -> this).apply(stored);
            if (tiers.get(tier) != this) {
                tierOverride = stored; // this view agrees, whichever one the limiter keeps
            }
        }

        /**
         * Removes this tier's override; see {@link Limiter#clearOverride()}.
         *
         * @throws IllegalStateException if Redis did not store the clear
         */
        public void clearOverride() {
            if (tier.isEmpty()) {
                Limiter.this.clearOverride();
                return;
            }
            owner.storeOverride(name, tier, null, null);
            Tier target = tiers.get(tier);
            if (target != null) {
                target.apply(null);
            }
            tierOverride = null;
        }

        /**
         * Returns the tier's override in force, if any.
         *
         * @return the override, or {@code null}
         */
        public Limit overridden() {
            OverrideInForce current = tierOverride;
            return current == null ? null : current.limit();
        }

        private void apply(OverrideInForce newOverride) {
            synchronized (Limiter.this) {
                if (Objects.equals(tierOverride, newOverride)) {
                    return;
                }
                Limit before = limit();
                tierOverride = newOverride;
                LOG.info("Limit '{}' of Ratewarden '{}', tier '{}': {}, was {}", name, owner.name(), tier,
                        newOverride != null ? "overridden to " + limit() + until(newOverride)
                                : "override cleared, back to " + limit(), before);
            }
            whenEnded(newOverride, () -> {
                synchronized (Limiter.this) {
                    if (!newOverride.equals(tierOverride)) {
                        return;
                    }
                }
                LOG.info("Limit '{}' of Ratewarden '{}', tier '{}': the override {} ended", name, owner.name(), tier,
                        newOverride.limit());
                apply(null);
            });
        }

        @Override
        public String toString() {
            return "Limiter.Tier[" + name + "@" + tier + ": " + limit() + "]";
        }
    }
}
