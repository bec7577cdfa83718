package io.ratewarden;

import io.ratewarden.internal.call.LimitGates;
import io.ratewarden.internal.failover.OverrideInForce;
import io.ratewarden.internal.settings.ConfiguredLimit;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

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

    private final String name;
    private final Limit configured;
    private final LimitCounters counters;
    private final LimitTier own;
    private final Tiers tiers;

    static {
        LimitGates.install(limiter -> ((Limiter) limiter).own.gate());
        LimitGates.installTiers(tier -> new TierCalls((LimitTier) tier));
    }

    /**
     * @param access the instance's store
     * @param configured the limit without an override: configuration over the code's definition
     * @param configuration what configuration says of the limit: its tiers
     * @param shadow whether the limit rejects nothing
     */
    Limiter(StoreAccess access, String name, Limit configured, ConfiguredLimit configuration, boolean shadow) {
        this.name = name;
        this.configured = configured;
        this.counters = new LimitCounters(name, access.instanceName(), shadow);
        // Without Redis, the keyless bucket is asked directly: the hot path of a limit without key.
        this.own = LimitTier.own(name, configured, access, counters);
        this.tiers = new Tiers(own, configured, configuration);
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
        return own.tryAcquire(key, cost, FailurePolicy.DEFAULT);
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
        return own.tryAcquire(key, cost, onStoreFailure);
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
        return own.tryAcquireKeyless(cost, onStoreFailure);
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
        return own.tryAcquireKeyless(cost, onStoreFailure);
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
        return own.remaining(key);
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
        own.reset(key);
    }

    /**
     * Gives back up to {@code permits} permits to {@code key}, for a call that took them and should
     * not count, as {@link LimitTier#refund(String, long)} says (never more than the limit).
     *
     * @param key the caller's key, normalised as {@link #tryAcquire(String, long)} does
     * @param permits how many permits to give back, at least 1
     * @throws IllegalArgumentException if {@code permits} is below 1
     * @throws IllegalStateException if the instance is closed, or Redis could not be reached
     * @throws UnsupportedOperationException if a plugged store cannot give permits back
     */
    public void refund(String key, long permits) {
        own.refund(key, permits);
    }

    /**
     * Takes one permit for {@code key}; see {@link #tryAcquire(String, long)}.
     *
     * @param key the caller's key
     * @return the decision, never {@code null}
     */
    public Decision tryAcquire(String key) {
        return own.tryAcquire(key, 1, FailurePolicy.DEFAULT);
    }

    /**
     * Returns a tier of this limit: its calls are limited by the tier's own limit (configured as
     * {@code ratewarden.limits.<name>.tiers.<tier>.*}, set with
     * {@link RatewardenBuilder#tier(String, String, Limit)}, or {@linkplain LimitTier#override
     * overridden}), or by this limit's own when the tier has none; in buckets of their own either
     * way. {@code null} or {@code ""} is the limit itself, without a tier.
     *
     * @param tier the tier's name; names over 128 characters are replaced by a stable hash
     * @return the tier, never {@code null}
     */
    public LimitTier tier(String tier) {
        return tiers.tier(tier);
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
        return own.limit();
    }

    /**
     * Returns the override in force, if any.
     *
     * @return the override, or {@code null}
     */
    public Limit overridden() {
        return own.overridden();
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
        own.override(limit, null);
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
        own.override(limit, expiry);
    }

    /**
     * Removes the override: the configured limit is in force again, on every instance as
     * {@link #override(Limit)} says.
     *
     * @throws IllegalStateException if the instance is on Redis and Redis could not store the clear
     *     (the message says whether nothing changed or the outcome is unknown)
     */
    public void clearOverride() {
        own.clearOverride();
    }

    /** Applies an override heard from the store to the limit ({@code tier} {@code ""}) or a tier. */
    void applyOverride(String tier, OverrideInForce newOverride) {
        tiers.applyOverride(tier, newOverride);
    }

    /**
     * Returns the names of the tiers this limit keeps: those configured and those overridden, in
     * name order. Tiers seen only in calls, with the limit's own values, are not kept.
     *
     * @return the tier names, never {@code null}
     */
    public List<String> tierNames() {
        return tiers.names();
    }

    /**
     * Returns whether the limit is in shadow mode: it rejects nothing, and counts what it would
     * have rejected. Set by configuration ({@code ratewarden.limits.<name>.shadow}), else by
     * {@link RateLimited#shadow()} or {@link RatewardenBuilder#shadow(boolean)}.
     *
     * @return whether in shadow mode
     */
    public boolean isShadow() {
        return counters.shadow();
    }

    @Override
    public String toString() {
        return "Limiter[" + name + ": " + limit() + "]";
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
        return counters.storeFailureRejected();
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
        return counters.shadowRejected(Objects.requireNonNull(backend, "backend"));
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
        return counters.permitted(Objects.requireNonNull(backend, "backend"), own.keylessGranted());
    }

    /**
     * Returns how many calls {@code backend} rejected for this limit since it was defined,
     * counting rejections from the over-limit cache as Redis's.
     *
     * @param backend the backend, never {@code null}
     * @return the calls rejected by {@code backend}
     */
    public long rejected(Backend backend) {
        return counters.rejected(Objects.requireNonNull(backend, "backend"));
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
                shadowRejected(Backend.REDIS), shadowRejected(Backend.IN_MEMORY), storeFailureRejected(),
                nearLimit());
    }

    /**
     * Returns how many permitted calls left at most a fifth of the limit in their bucket (any key,
     * either backend), read from their decisions. Never decreases. Does no I/O.
     *
     * @return the calls permitted near the limit
     */
    public long nearLimit() {
        return counters.nearLimitCount();
    }

    /** Whether {@code other} is what this limit is without an override. */
    boolean sameDefinition(Limit other) {
        return configured.equals(other);
    }
}
