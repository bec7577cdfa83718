package io.ratewarden;

import io.ratewarden.internal.failover.SharedBackendProvider;
import io.ratewarden.internal.failover.SharedBackends;
import io.ratewarden.internal.settings.SettingsDraft;
import io.ratewarden.internal.settings.SettingsTable;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.RedisSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Configures a {@link Ratewarden}, from {@link Ratewarden#builder()}. Each setter checks its
 * value at once, naming the setting at fault, and returns this builder. Not thread-safe.
 */
public final class RatewardenBuilder {

    private final SettingsDraft draft = new SettingsDraft();

    RatewardenBuilder() {
    }

    /** The settings as they stand, for {@link Ratewarden#fromEnvironment()}. */
    SettingsDraft draft() {
        return draft;
    }

    /**
     * Applies one setting given as text, by its name: every setting of this builder
     * ({@code redisUrl}, {@code redisTimeout}, {@code fallbackShare}, ...), and the limits
     * ({@code limits.<name>.permits}, {@code .window}, {@code .shadow},
     * {@code limits.<name>.tiers.<tier>.permits}, {@code .window}). Names are relaxed: case,
     * {@code -} and {@code _} do not matter. Values are written as in a properties file:
     * durations as {@code 500ms}, {@code 10s}, {@code 1m}, {@code 1h}, {@code 1d} or ISO-8601.
     * The configuration reference in the documentation lists every setting.
     *
     * @param key the setting's name
     * @param value its text
     * @return this builder
     * @throws IllegalArgumentException naming the setting, for an unknown one or a malformed
     *     value (never showing the value)
     */
    public RatewardenBuilder configure(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        SettingsTable.apply(draft, key, key, value);
        return this;
    }

    /**
     * Returns whether {@code key} names a setting that {@link #configure(String, String)}
     * takes.
     *
     * @param key a setting's name, relaxed as {@code configure} reads it
     * @return whether it is a setting
     */
    public static boolean isSetting(String key) {
        return SettingsTable.knows(Objects.requireNonNull(key, "key"));
    }

    /**
     * Applies every setting of {@code settings} as {@link #configure(String, String)} does, in
     * the map's order. Setting both {@code redisUrl} and {@code redissonYaml} is an error: they
     * are two answers to one question.
     *
     * @param settings the settings by name
     * @return this builder
     * @throws IllegalArgumentException naming the setting at fault
     */
    public RatewardenBuilder configure(Map<String, String> settings) {
        SettingsTable.applyAll(draft, Objects.requireNonNull(settings, "settings"));
        return this;
    }

    /**
     * Sets whether every limit is in shadow mode (default {@code false}): a call a limit would
     * reject proceeds, counted by {@link Limiter#shadowRejected()}. A limit's own {@code shadow}
     * setting comes first.
     *
     * @param enabled whether to reject nothing
     * @return this builder
     */
    public RatewardenBuilder shadow(boolean enabled) {
        draft.shadow(enabled);
        return this;
    }

    /**
     * Sets whether a grant's {@link Decision} carries the permits its bucket has left
     * ({@link Decision#remaining()}, from the same decision; default {@code false}: grants report
     * {@link Decision#NOT_REPORTED} and allocate nothing in memory). The Spring Boot starter
     * turns it on for {@code ratewarden.web.rate-limit-headers}.
     *
     * @param enabled whether grants report the permits left
     * @return this builder
     */
    public RatewardenBuilder reportRemaining(boolean enabled) {
        draft.reportRemaining(enabled);
        return this;
    }

    /**
     * Configures a tier of a limit: calls of that tier ({@link Limiter#tier(String)}, or the
     * {@code tier} of {@link RateLimited}) are limited to {@code limit}, in buckets of their own
     * (settings {@code limits.<name>.tiers.<tier>.permits}, {@code .window}).
     *
     * @param limitName the limit's name
     * @param tier the tier's name, not empty
     * @param limit the tier's limit
     * @return this builder
     */
    public RatewardenBuilder tier(String limitName, String tier, Limit limit) {
        draft.tier(limitName, tier, limit);
        return this;
    }

    /**
     * Decides on the Redis at {@code url} ({@code redis://}, {@code rediss://} for TLS,
     * {@code valkey://}, {@code valkeys://}; {@code user:password@}, {@code :password@} or
     * {@code password@} for authentication, percent-encoded where the password needs it;
     * {@code /n} for database n). Replaces any earlier Redis or store setting.
     *
     * @param url the URL
     * @return this builder
     * @throws IllegalArgumentException if the URL is malformed; the message masks the password
     */
    public RatewardenBuilder redisUrl(String url) {
        draft.redisUrl(url); // checked now: a bad URL fails where it is written
        return this;
    }

    /**
     * Decides on the Redis a Redisson YAML file describes (any topology), with a client of its own
     * per {@link #build()}, shut down on {@link Ratewarden#close()}; the password in the file is
     * never logged. Needs {@code io.ratewarden:ratewarden-redis}. Replaces any earlier Redis or store.
     *
     * @param yaml the file
     * @return this builder
     * @throws IllegalArgumentException if the file cannot be read or parsed (read now when the
     *     module is present; without it, {@link #build()} fails)
     */
    public RatewardenBuilder redissonYaml(Path yaml) {
        Objects.requireNonNull(yaml, "redissonYaml");
        SharedBackendProvider present = SharedBackends.find();
        if (present == null) {
            draft.redissonYaml(yaml); // build() names the artifact to add
        } else {
            draft.redis(present.fromYaml(yaml), "redissonYaml " + yaml); // read here, where the file is named
        }
        return this;
    }

    /**
     * Decides on the Redis a source from {@code io.ratewarden:ratewarden-redis} describes: a
     * Redisson {@code Config} or a client the caller owns
     * ({@code io.ratewarden.redis.RedissonSource}). Replaces any earlier Redis or store setting.
     *
     * @param source the source, never {@code null}
     * @return this builder
     */
    public RatewardenBuilder redis(RedisSource source) {
        Objects.requireNonNull(source, "redis");
        draft.redis(source, "redis " + source.maskedAddress());
        return this;
    }

    /**
     * Decides on a store of the caller's instead of memory or Redis (see the
     * {@link io.ratewarden.store} package for the contract it must keep), with the failover
     * Redis gets: a call the store cannot decide, because it throws
     * {@link io.ratewarden.store.StoreUnavailableException}, moves the instance to the failure
     * policy ({@link FailurePolicy#FALLBACK_LOCAL}: this instance's warm memory, with the whole
     * limit) until two probes in a row find the store's {@code isHealthy()} true.
     * {@link Ratewarden#storeInfo()} reports the failover's state. Overrides stay on this
     * instance. The caller owns the store: {@link Ratewarden#close()} does not close it.
     * Replaces any earlier Redis setting.
     *
     * @param store the store, never {@code null}
     * @return this builder
     */
    public RatewardenBuilder store(RateLimitStore store) {
        draft.store(store);
        return this;
    }

    /**
     * Sets the longest a call waits on Redis (default 100 ms). A call that gets no answer in
     * time is decided by the failure policy, and the instance turns to memory.
     *
     * @param redisTimeout the timeout, at least 1 ms
     * @return this builder
     * @throws IllegalArgumentException if shorter than 1 ms
     */
    public RatewardenBuilder redisTimeout(Duration redisTimeout) {
        draft.redisTimeout(redisTimeout);
        return this;
    }

    /**
     * Sets the time between two probes of Redis (default 1 s). Two consecutive successful
     * probes bring an instance back to Redis after an outage.
     *
     * @param probeInterval the interval, at least 10 ms
     * @return this builder
     * @throws IllegalArgumentException if shorter than 10 ms
     */
    public RatewardenBuilder probeInterval(Duration probeInterval) {
        draft.probeInterval(probeInterval);
        return this;
    }

    /**
     * Sets the prefix of every Redis key Ratewarden writes (default {@code rw:}). Services that
     * must not share limits on one Redis use different prefixes.
     *
     * @param keyPrefix the prefix, without {@code {} or {@code }}
     * @return this builder
     * @throws IllegalArgumentException if the prefix holds a brace
     */
    public RatewardenBuilder keyPrefix(String keyPrefix) {
        draft.keyPrefix(keyPrefix);
        return this;
    }

    /**
     * Sets the instance's name, its identity in logs and JMX. Default: {@code ratewarden-N}.
     *
     * @param name the name, not blank
     * @return this builder
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public RatewardenBuilder name(String name) {
        draft.name(name);
        return this;
    }

    /**
     * Sets the most keys the in-memory limiter holds (default 100,000). Beyond it the least
     * valuable keys are evicted and start again with a full window when they return.
     *
     * @param localMaxKeys the bound, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code localMaxKeys} is below 1
     */
    public RatewardenBuilder localMaxKeys(long localMaxKeys) {
        draft.localMaxKeys(localMaxKeys);
        return this;
    }

    /**
     * Sets what calls get when Redis cannot decide (default
     * {@link FailurePolicy#FALLBACK_LOCAL}).
     *
     * @param failurePolicy the policy; not {@link FailurePolicy#DEFAULT}
     * @return this builder
     * @throws IllegalArgumentException for {@link FailurePolicy#DEFAULT}
     */
    public RatewardenBuilder failurePolicy(FailurePolicy failurePolicy) {
        draft.failurePolicy(failurePolicy);
        return this;
    }

    /**
     * Sets the time source of the in-memory limiter, so that tests can step time; read on every
     * decision ({@link #clockGranularity(Duration)} then does not apply).
     *
     * @param ticker the ticker, never {@code null}
     * @return this builder
     */
    public RatewardenBuilder ticker(Ticker ticker) {
        draft.ticker(ticker);
        return this;
    }

    /**
     * Sets the beat of the in-memory limiter's clock (default 1 ms; setting {@code clockGranularity}):
     * a decision reads a field that a daemon thread ({@code ratewarden-clock-1ms}) sets from
     * {@link System#nanoTime()} at each beat, which costs less than reading the clock. No grant
     * comes early; a call may be rejected up to one beat after room appeared (more only while the
     * machine keeps that thread from running). The thread runs from the first decision until a
     * second after the last, or the last {@link Ratewarden#close() close()}. {@link Duration#ZERO}:
     * {@link System#nanoTime()} on each decision, no thread. Redis decisions are not affected.
     *
     * @param granularity the beat, from {@link Duration#ZERO} to 100 ms
     * @return this builder
     * @throws IllegalArgumentException if {@code granularity} is negative or over 100 ms
     */
    public RatewardenBuilder clockGranularity(Duration granularity) {
        draft.clockGranularity(granularity);
        return this;
    }

    /**
     * Sets whether calls for one bucket on Redis go together (default {@code true}; setting
     * {@code coalesce}): while a decision for a bucket is in flight from this instance, later
     * calls for it queue and one script call decides them all, in order, each as if alone. An
     * idle bucket's call is sent at once. See docs/scaling.md.
     *
     * @param enabled whether to coalesce
     * @return this builder
     */
    public RatewardenBuilder coalesce(boolean enabled) {
        draft.coalesce(enabled);
        return this;
    }

    /**
     * Sets whether a {@link RateLimitExceededException} records the stack trace of the call it
     * rejects (default {@code false}; setting {@code stackTraces}), at a stack walk per rejection.
     *
     * @param enabled whether rejections carry stack traces
     * @return this builder
     */
    public RatewardenBuilder stackTraces(boolean enabled) {
        draft.stackTraces(enabled);
        return this;
    }

    /**
     * Sets how much of each limit this instance admits on its own while Redis cannot decide
     * and the policy is {@link FailurePolicy#FALLBACK_LOCAL} (default
     * {@link FallbackShare#liveInstances()}: the limit divided by the instances alive on Redis
     * just before it failed, so that together they stay near the limit).
     *
     * @param fallbackShare the share
     * @return this builder
     */
    public RatewardenBuilder fallbackShare(FallbackShare fallbackShare) {
        draft.fallbackShare(fallbackShare);
        return this;
    }

    /**
     * Sets whether a key that Redis rejected is rejected on this instance without a round trip
     * until Redis said it would have room again (default {@code true}). Only rejections are
     * kept, never grants, and a cached rejection answers calls of the rejected cost or more: no
     * call is granted earlier than Redis would grant it. Each instance keeps its own cache, so
     * a flooding caller costs Redis about one round trip per retry time and instance rather
     * than one per call. Turn it off when something other than time can make room on Redis
     * early (a user deleting limiter keys, raising a limit's permits across instances).
     *
     * @param enabled whether to cache rejections
     * @return this builder
     */
    public RatewardenBuilder overLimitCache(boolean enabled) {
        draft.overLimitCache(enabled);
        return this;
    }

    /**
     * Sets how buckets are kept on Redis (default {@link RedisAlgorithm#RRATE_LIMITER}). Every
     * instance on one Redis and key prefix must use the same: switching is a deploy-wide
     * change (see the Redis set-up documentation).
     *
     * @param redisAlgorithm the algorithm, never {@code null}
     * @return this builder
     */
    public RatewardenBuilder redisAlgorithm(RedisAlgorithm redisAlgorithm) {
        draft.redisAlgorithm(redisAlgorithm);
        return this;
    }

    /**
     * Sets how long {@link #build()} waits for the first connection to Redis (default 10 s), so
     * that a new instance's first call is decided by Redis rather than in memory. The wait
     * ends as soon as Redis answers, or fails with evidence (a refused connection, a wrong
     * password): an unreachable Redis is no reason to wait. {@link Duration#ZERO} builds
     * without waiting. Past the bound, the instance decides in memory until it connects, and
     * {@link StoreInfo#state()} says {@link StoreState#CONNECTING}.
     *
     * @param startupWait the longest wait, zero or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public RatewardenBuilder startupWait(Duration startupWait) {
        draft.startupWait(startupWait);
        return this;
    }

    /**
     * Sets how long an operator's override ({@link Limiter#override(Limit)}, its clearing, and
     * the same from JMX or Actuator) waits for Redis to store it (default 5 s): longer than a
     * call's {@link #redisTimeout(Duration)}, since an operator can wait seconds. When Redis does
     * not answer in time the override's outcome is unknown, and the call says so.
     *
     * @param overrideWait the longest wait, at least 1 ms
     * @return this builder
     * @throws IllegalArgumentException if under a millisecond
     */
    public RatewardenBuilder overrideWait(Duration overrideWait) {
        draft.overrideWait(overrideWait);
        return this;
    }

    /**
     * Sets whether {@link #build()} registers the instance's MXBeans (default {@code true}):
     * {@code io.ratewarden:type=Ratewarden,name="<name>"} and one
     * {@code io.ratewarden:type=Limit,instance="<name>",name="<limit>"} per limit.
     *
     * @param enabled whether to register
     * @return this builder
     */
    public RatewardenBuilder jmx(boolean enabled) {
        draft.jmx(enabled);
        return this;
    }

    /**
     * Builds the instance. Never fails for an unreachable Redis, and waits for a reachable one
     * at most {@link #startupWait(Duration)} (a refused connection ends the wait at once): the
     * instance decides in memory until it reaches Redis, and moves to Redis when a probe
     * does.
     *
     * @return a new instance
     * @throws IllegalStateException if JMX is on and an instance of the same name is registered,
     *     or if Redis is configured and {@code io.ratewarden:ratewarden-redis} is not on the class
     *     path (the message names it)
     */
    public Ratewarden build() {
        return new Ratewarden(draft);
    }
}
