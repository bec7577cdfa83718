package io.ratewarden.internal.settings;

import io.ratewarden.FailurePolicy;
import io.ratewarden.FallbackShare;
import io.ratewarden.Limit;
import io.ratewarden.RedisAlgorithm;
import io.ratewarden.Ticker;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.RedisSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An instance's settings while they are being written, by the builder's setters, by text
 * ({@link SettingsTable}) or from the environment ({@link EnvironmentSettings}): each setter checks
 * its value, naming the setting at fault; {@link #settings()} makes the immutable value. Where
 * the instance decides (memory, Redis, a plugged store) is kept as given, for the builder to
 * resolve. Not thread-safe.
 */
public final class SettingsDraft {

    private static final AtomicInteger UNNAMED = new AtomicInteger();

    /** The beat of the in-memory windows' clock unless set: 1 ms. */
    public static final Duration DEFAULT_CLOCK_GRANULARITY = Duration.ofMillis(1);

    /** The coarsest beat allowed: 100 ms. */
    public static final Duration MAX_CLOCK_GRANULARITY = Duration.ofMillis(100);

    private String name;
    private long localMaxKeys = 100_000;
    private FailurePolicy failurePolicy = FailurePolicy.FALLBACK_LOCAL;
    private Ticker ticker; // null: System.nanoTime(), read as clockGranularity says
    private Duration clockGranularity = DEFAULT_CLOCK_GRANULARITY;
    private boolean stackTraces;
    private String redisUrl;
    private Path redissonYaml;
    private RedisSource redisSource;
    private String redisSetting;
    private RateLimitStore plugged;
    private Duration redisTimeout = Duration.ofMillis(100);
    private Duration probeInterval = Duration.ofSeconds(1);
    private String keyPrefix = "rw:";
    private boolean jmx = true;
    private FallbackShare fallbackShare = FallbackShare.liveInstances();
    private boolean overLimitCache = true;
    private RedisAlgorithm redisAlgorithm = RedisAlgorithm.RRATE_LIMITER;
    private Duration startupWait = Duration.ofSeconds(10);
    private Duration overrideWait = Duration.ofSeconds(5);
    private boolean shadow;
    private boolean reportRemaining;
    private boolean coalesce = true;
    private final Map<String, LimitDraft> limits = new LinkedHashMap<>();

    /**
     * Returns the settings as they stand; an instance without a name gets {@code ratewarden-<n>}.
     *
     * @return the settings
     */
    public RatewardenSettings settings() {
        String instanceName = name != null ? name : "ratewarden-" + UNNAMED.incrementAndGet();
        Map<String, ConfiguredLimit> frozen = new LinkedHashMap<>();
        limits.forEach((limitName, limit) -> frozen.put(limitName, limit.freeze()));
        return new RatewardenSettings(instanceName, failurePolicy, redisTimeout, probeInterval, keyPrefix,
                fallbackShare, overLimitCache, localMaxKeys, redisAlgorithm, startupWait, overrideWait, shadow,
                reportRemaining, coalesce, frozen);
    }

    /** @param name the instance's name, not blank */
    public void name(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        this.name = name;
    }

    /** @param localMaxKeys the most keys memory holds, at least 1 */
    public void localMaxKeys(long localMaxKeys) {
        if (localMaxKeys < 1) {
            throw new IllegalArgumentException("localMaxKeys must be at least 1, was " + localMaxKeys);
        }
        this.localMaxKeys = localMaxKeys;
    }

    /** @param failurePolicy the instance's policy, not {@code DEFAULT} */
    public void failurePolicy(FailurePolicy failurePolicy) {
        Objects.requireNonNull(failurePolicy, "failurePolicy");
        if (failurePolicy == FailurePolicy.DEFAULT) {
            throw new IllegalArgumentException("failurePolicy DEFAULT is only valid on @RateLimited");
        }
        this.failurePolicy = failurePolicy;
    }

    /** @param ticker the clock of the in-memory windows, read on every decision */
    public void ticker(Ticker ticker) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /**
     * @param granularity the beat of the in-memory windows' clock: {@link Duration#ZERO} (read
     *     {@code System.nanoTime()} on each decision) up to {@link #MAX_CLOCK_GRANULARITY}
     */
    public void clockGranularity(Duration granularity) {
        Objects.requireNonNull(granularity, "clockGranularity");
        if (granularity.isNegative() || granularity.compareTo(MAX_CLOCK_GRANULARITY) > 0) {
            throw new IllegalArgumentException("clockGranularity must be between 0 and " + MAX_CLOCK_GRANULARITY
                    + ", was " + granularity);
        }
        this.clockGranularity = granularity;
    }

    /** @param enabled whether a rejection's exception records its stack trace */
    public void stackTraces(boolean enabled) {
        this.stackTraces = enabled;
    }

    /**
     * Decides on the Redis at {@code url}, replacing any earlier Redis or store setting.
     *
     * @param url the URL, checked now; a malformed one fails with a masked message
     */
    public void redisUrl(String url) {
        RedisAddress address = RedisAddress.parse(url);
        clearBackend();
        this.redisUrl = url;
        this.redisSetting = "redisUrl " + address.masked();
    }

    /**
     * Decides on the Redis a Redisson YAML file describes, replacing any earlier Redis or store
     * setting; the file is read where the source is made.
     *
     * @param yaml the file
     */
    public void redissonYaml(Path yaml) {
        Objects.requireNonNull(yaml, "redissonYaml");
        clearBackend();
        this.redissonYaml = yaml;
        this.redisSetting = "redissonYaml " + yaml;
    }

    /**
     * Decides on the Redis {@code source} describes, replacing any earlier Redis or store setting.
     *
     * @param source the source
     * @param setting how the source was given, masked, for messages
     */
    public void redis(RedisSource source, String setting) {
        Objects.requireNonNull(source, "redis");
        clearBackend();
        this.redisSource = source;
        this.redisSetting = setting;
    }

    /** @param store a store of the caller's, replacing any Redis setting */
    public void store(RateLimitStore store) {
        Objects.requireNonNull(store, "store");
        clearBackend();
        this.plugged = store;
    }

    private void clearBackend() {
        redisUrl = null;
        redissonYaml = null;
        redisSource = null;
        redisSetting = null;
        plugged = null;
    }

    /** @param redisTimeout the longest a call waits on Redis, at least 1 ms */
    public void redisTimeout(Duration redisTimeout) {
        Objects.requireNonNull(redisTimeout, "redisTimeout");
        if (redisTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("redisTimeout must be at least 1 ms, was " + redisTimeout);
        }
        this.redisTimeout = redisTimeout;
    }

    /** @param probeInterval the time between two probes, at least 10 ms */
    public void probeInterval(Duration probeInterval) {
        Objects.requireNonNull(probeInterval, "probeInterval");
        if (probeInterval.toMillis() < 10) {
            throw new IllegalArgumentException("probeInterval must be at least 10 ms, was " + probeInterval);
        }
        this.probeInterval = probeInterval;
    }

    /** @param keyPrefix the prefix of every Redis key, without braces */
    public void keyPrefix(String keyPrefix) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
            throw new IllegalArgumentException("keyPrefix must not contain '{' or '}' (they choose Redis Cluster"
                    + " slots), was '" + keyPrefix + "'");
        }
        this.keyPrefix = keyPrefix;
    }

    /** @param enabled whether the instance registers MXBeans */
    public void jmx(boolean enabled) {
        this.jmx = enabled;
    }

    /** @param fallbackShare what each limit admits in memory while Redis cannot decide */
    public void fallbackShare(FallbackShare fallbackShare) {
        this.fallbackShare = Objects.requireNonNull(fallbackShare, "fallbackShare");
    }

    /** @param enabled whether keys Redis rejected are rejected locally until their retry time */
    public void overLimitCache(boolean enabled) {
        this.overLimitCache = enabled;
    }

    /** @param redisAlgorithm how buckets are kept on Redis */
    public void redisAlgorithm(RedisAlgorithm redisAlgorithm) {
        this.redisAlgorithm = Objects.requireNonNull(redisAlgorithm, "redisAlgorithm");
    }

    /** @param startupWait how long building waits for Redis, not negative */
    public void startupWait(Duration startupWait) {
        Objects.requireNonNull(startupWait, "startupWait");
        if (startupWait.isNegative()) {
            throw new IllegalArgumentException("startupWait must not be negative, was " + startupWait);
        }
        this.startupWait = startupWait;
    }

    /** @param overrideWait how long an override waits for Redis to store it, at least 1 ms */
    public void overrideWait(Duration overrideWait) {
        Objects.requireNonNull(overrideWait, "overrideWait");
        if (overrideWait.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("overrideWait must be at least 1 ms, was " + overrideWait);
        }
        this.overrideWait = overrideWait;
    }

    /** @param enabled whether calls for one bucket on Redis go together in one round trip */
    public void coalesce(boolean enabled) {
        this.coalesce = enabled;
    }

    /** @param enabled whether every limit is in shadow mode */
    public void shadow(boolean enabled) {
        this.shadow = enabled;
    }

    /** @param enabled whether grants report the permits left */
    public void reportRemaining(boolean enabled) {
        this.reportRemaining = enabled;
    }

    /**
     * Configures a tier of a limit.
     *
     * @param limitName the limit's name, not empty
     * @param tier the tier's name, not empty
     * @param limit the tier's limit
     */
    public void tier(String limitName, String tier, Limit limit) {
        Objects.requireNonNull(limit, "limit");
        if (Objects.requireNonNull(tier, "tier").isEmpty() || Objects.requireNonNull(limitName, "limitName")
                .isEmpty()) {
            throw new IllegalArgumentException("a tier needs a limit name and a tier name");
        }
        LimitDraft configured = limits.computeIfAbsent(limitName, n -> new LimitDraft()).tier(tier);
        configured.permits = limit.permits();
        configured.window = limit.window();
    }

    /** Applies one limit setting read by {@link SettingsTable}. */
    void configureLimit(String limitName, String tier, String attribute, String source, String value) {
        if (limitName.isEmpty() || (tier != null && tier.isEmpty())) {
            throw new IllegalArgumentException("expected limits.<name>.<setting> or"
                    + " limits.<name>.tiers.<tier>.<setting>");
        }
        LimitDraft limit = limits.computeIfAbsent(limitName, n -> new LimitDraft());
        LimitDraft target = tier == null ? limit : limit.tier(tier);
        switch (attribute) {
            case "permits" -> {
                long permits = SettingValues.parseLong(source, value);
                if (permits < 1) {
                    throw new IllegalArgumentException("permits must be at least 1, was " + permits);
                }
                target.permits = permits;
            }
            case "window" -> target.window = Limit.of(1, SettingValues.parseDuration(source, value)).window();
            case "shadow" -> {
                if (tier != null) {
                    throw new IllegalArgumentException("shadow is a setting of a limit, not of a tier");
                }
                target.shadow = SettingValues.parseBoolean(source, value);
            }
            default -> throw new IllegalArgumentException("a limit's settings are permits, window, shadow and"
                    + " tiers.<tier>.permits, tiers.<tier>.window");
        }
    }

    /** @return the ticker set for the in-memory windows, or {@code null} for {@code System.nanoTime()} */
    public Ticker ticker() {
        return ticker;
    }

    /** @return the beat of the in-memory windows' clock, used when no ticker is set */
    public Duration clockGranularity() {
        return clockGranularity;
    }

    /** @return whether a rejection's exception records its stack trace */
    public boolean stackTraces() {
        return stackTraces;
    }

    /** @return whether the instance registers MXBeans */
    public boolean jmx() {
        return jmx;
    }

    /** @return the store of the caller's, or {@code null} */
    public RateLimitStore plugged() {
        return plugged;
    }

    /** @return the Redis URL, or {@code null} */
    public String redisUrl() {
        return redisUrl;
    }

    /** @return the Redisson YAML file, or {@code null} */
    public Path redissonYaml() {
        return redissonYaml;
    }

    /** @return the Redis source given, or {@code null} */
    public RedisSource redisSource() {
        return redisSource;
    }

    /** @return how Redis was asked for, masked (for example {@code redisUrl redis://***@cache:6379}), or {@code null} without Redis */
    public String redisSetting() {
        return redisSetting;
    }

    /** A limit's configuration while it is being read; {@link #freeze()} makes the value. */
    private static final class LimitDraft {
        private Long permits;
        private Duration window;
        private Boolean shadow;
        private final Map<String, LimitDraft> tiers = new LinkedHashMap<>();

        LimitDraft tier(String tier) {
            return tiers.computeIfAbsent(tier, t -> new LimitDraft());
        }

        ConfiguredLimit freeze() {
            Map<String, ConfiguredLimit> frozen = new LinkedHashMap<>();
            tiers.forEach((tier, limit) -> frozen.put(tier, limit.freeze()));
            return new ConfiguredLimit(permits, window, shadow, frozen);
        }
    }
}
