package io.ratewarden;

import io.ratewarden.internal.settings.ConfiguredLimit;
import io.ratewarden.internal.settings.EnvironmentSettings;
import io.ratewarden.internal.settings.RatewardenSettings;
import io.ratewarden.internal.settings.RedisAddress;
import io.ratewarden.internal.settings.SettingValues;
import io.ratewarden.internal.window.InMemoryRateLimitStore;
import io.ratewarden.internal.failover.InstanceStore;
import io.ratewarden.internal.failover.OverrideInForce;
import io.ratewarden.internal.failover.OverrideOutcomeUnknownException;
import io.ratewarden.internal.failover.SharedBackendProvider;
import io.ratewarden.internal.failover.SharedBackends;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.RedisSource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A configured rate limiter: the store that decides, the named limits, and their state.
 *
 * <p>Without Redis, an in-memory limiter decides. With Redis ({@link Builder#redisUrl(String)} and
 * its siblings), Redis decides while it is healthy and the in-memory limiter takes over, at once
 * and without errors, when it is not; a background probe moves the instance back to Redis when
 * it returns. {@link #storeInfo()} says which backend decides, since when, and why.
 *
 * <pre>{@code
 * Ratewarden rw = Ratewarden.builder()
 *     .redisUrl("rediss://default:secret@cache.example:6380")
 *     .name("orders-service")
 *     .build();
 * Ratewarden.install(rw);   // what @RateLimited methods use from the next call on
 * Decision d = rw.limit("api", Limit.of(100, Duration.ofMinutes(1))).tryAcquire("alice", 1);
 * rw.close();
 * }</pre>
 *
 * <p>This class is thread-safe.
 */
public final class Ratewarden implements AutoCloseable {

    private static final AtomicInteger UNNAMED = new AtomicInteger();
    private static final Object INSTALL_LOCK = new Object();
    private static volatile Ratewarden installed;

    private final String name;
    private final RatewardenSettings settings;
    private final InstanceStore store;
    private volatile Map<String, Map<String, OverrideInForce>> heardOverrides = Map.of();
    private final FailurePolicy failurePolicy;
    private final ConcurrentMap<String, Limiter> limiters = new ConcurrentHashMap<>();
    // Limits are defined, and definition listeners added, under this lock: each listener hears
    // of each limit exactly once.
    private final Object definitions = new Object();
    private final List<Consumer<Limiter>> definitionListeners = new ArrayList<>();
    private final JmxBeans jmx;
    private volatile boolean closed;

    private Ratewarden(Builder builder) {
        RatewardenSettings settings = builder.settings();
        this.settings = settings;
        this.name = settings.name();
        this.failurePolicy = settings.failurePolicy();
        this.jmx = builder.jmx ? JmxBeans.claim(name) : null;
        InMemoryRateLimitStore local = new InMemoryRateLimitStore(settings.localMaxKeys(), builder.ticker,
                Clock.systemUTC(), settings.reportRemaining());
        if (builder.plugged != null) {
            this.store = InstanceStore.plugged(builder.plugged, local, settings);
        } else if (builder.redis == null) {
            this.store = InstanceStore.inMemory(local);
        } else {
            this.store = InstanceStore.shared(builder.redisProvider.open(builder.redisSource, settings), local,
                    settings);
        }
        if (jmx != null) {
            try {
                jmx.registerInstance(this);
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
        }
        store.onOverrides(this::overridesHeard);
        if (!settings.startupWait().isZero()) {
            store.awaitFirstVerdict(settings.startupWait());
        }
    }

    /**
     * Returns a new builder with every setting at its default.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds an instance from the environment: the Redis URL from {@code RATEWARDEN_REDIS_URL},
     * else {@code REDIS_URL}; every builder setting from the system property
     * {@code ratewarden.<setting>} or the variable {@code RATEWARDEN_<SETTING>} (see the
     * configuration reference in the documentation). Without a Redis URL the instance decides in
     * memory.
     *
     * @return a new instance
     * @throws IllegalArgumentException if a setting holds a malformed value, naming the setting
     */
    public static Ratewarden fromEnvironment() {
        return EnvironmentSettings.applyTo(builder(), System.getenv(), System.getProperties()).build();
    }

    /**
     * Makes {@code ratewarden} the instance that {@link RateLimited} methods use from their next
     * call on, replacing any earlier one (which stays open: closing it is the caller's business).
     *
     * @param ratewarden the instance to install, never {@code null}
     */
    public static void install(Ratewarden ratewarden) {
        Objects.requireNonNull(ratewarden, "ratewarden");
        synchronized (INSTALL_LOCK) {
            installed = ratewarden;
        }
    }

    /**
     * Returns the installed instance; when none was installed, installs
     * {@link #fromEnvironment()} first, once.
     *
     * @return the installed instance, never {@code null}
     */
    public static Ratewarden installed() {
        Ratewarden current = installed;
        return current != null ? current : installFromEnvironment();
    }

    // Apart from installed(), which every woven call runs: the lock stays out of callers' code.
    private static Ratewarden installFromEnvironment() {
        synchronized (INSTALL_LOCK) {
            if (installed == null) {
                installed = fromEnvironment();
            }
            return installed;
        }
    }

    /**
     * Returns the limit named {@code name}, defining it on first use with {@code limit}, the
     * code's definition. Configuration ({@code ratewarden.limits.<name>.permits} and
     * {@code .window}) comes first, per attribute; an operator's {@linkplain Limiter#override
     * override} comes before both. Every call with the same name returns the same limiter.
     *
     * @param name the limit's name, not empty
     * @param limit the code's definition
     * @return the limiter
     * @throws IllegalStateException if {@code name} is already defined with another limit (with
     *     configuration taken into account)
     * @throws IllegalArgumentException if {@code name} is empty
     */
    public Limiter limit(String name, Limit limit) {
        Objects.requireNonNull(limit, "limit");
        return limit(name, limit.permits(), limit.window(), false);
    }

    /**
     * Returns the limit named {@code name}, defined by configuration alone:
     * {@code ratewarden.limits.<name>.permits} and {@code .window} (one second when it is not
     * configured).
     *
     * @param name the limit's name, not empty
     * @return the limiter
     * @throws IllegalStateException naming {@code ratewarden.limits.<name>.permits} when
     *     configuration does not define the limit
     */
    public Limiter limit(String name) {
        return limit(name, 0, Duration.ofSeconds(1), false);
    }

    /**
     * Returns the limit named {@code name} as {@link RateLimited} defines it: {@code permits} (0
     * for configuration's), {@code window} unless configuration sets one, and shadow mode when
     * {@code shadow} or the instance's {@link Builder#shadow(boolean)} asks for it, unless
     * configuration says otherwise.
     *
     * @param name the limit's name, not empty
     * @param permits the code's permits, or 0 when configuration must give them
     * @param window the code's window
     * @param shadow whether the code asks for shadow mode
     * @return the limiter
     * @throws IllegalStateException naming {@code ratewarden.limits.<name>.permits} when neither
     *     the code nor configuration gives the permits, or when {@code name} is already defined
     *     with another limit
     */
    public Limiter limit(String name, long permits, Duration window, boolean shadow) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(window, "window");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("limit name must not be empty");
        }
        Limiter limiter = limiters.get(name);
        if (limiter != null && permits == 0) {
            return limiter; // asked by configuration's name alone: whatever defined it
        }
        Limit effective = effective(name, permits, window);
        if (limiter == null) {
            limiter = define(name, effective, shadow);
        }
        if (!limiter.sameDefinition(effective)) {
            throw new IllegalStateException("Limit '" + name + "' of Ratewarden '" + this.name
                    + "' is already defined as " + limiter.limit() + "; cannot redefine it as " + effective
                    + ". To change a limit while the service runs, override it (Limiter.override), or configure"
                    + " it: ratewarden.limits." + name + ".permits and .window");
        }
        return limiter;
    }

    /** The code's definition under configuration's, per attribute. */
    private Limit effective(String name, long permits, Duration window) {
        ConfiguredLimit configured = settings.limit(name);
        long effectivePermits = configured.permits() != null ? configured.permits() : permits;
        if (effectivePermits < 1) {
            throw new IllegalStateException("Limit '" + name + "' is defined nowhere: set ratewarden.limits." + name
                    + ".permits (or the permits of its @RateLimited)");
        }
        return Limit.of(effectivePermits, configured.window() != null ? configured.window() : window);
    }

    private Limiter define(String name, Limit limit, boolean codeShadow) {
        synchronized (definitions) {
            Limiter existing = limiters.get(name);
            if (existing != null) {
                return existing;
            }
            ConfiguredLimit configured = settings.limit(name);
            boolean shadow = configured.shadow() != null ? configured.shadow() : codeShadow || settings.shadow();
            Limiter created = new Limiter(this, name, limit, configured, shadow, store);
            heardOverrides.getOrDefault(name, Map.of()).forEach((tier, heard) -> {
                if (!heard.cleared()) {
                    created.applyOverride(tier, heard);
                }
            });
            limiters.put(name, created);
            if (jmx != null && !closed) {
                jmx.registerLimit(created);
            }
            for (Consumer<Limiter> listener : definitionListeners) {
                listener.accept(created);
            }
            return created;
        }
    }

    /**
     * The overrides the store heard of: each change since the last time is applied to the limit
     * it names, so that an override set here and not yet heard back is not undone.
     */
    private void overridesHeard(Map<String, Map<String, OverrideInForce>> now) {
        synchronized (definitions) {
            Map<String, Map<String, OverrideInForce>> before = heardOverrides;
            heardOverrides = now;
            Set<String> names = new HashSet<>(before.keySet());
            names.addAll(now.keySet());
            for (String limitName : names) {
                Limiter limiter = limiters.get(limitName);
                if (limiter == null) {
                    continue;
                }
                Map<String, OverrideInForce> was = before.getOrDefault(limitName, Map.of());
                Map<String, OverrideInForce> is = now.getOrDefault(limitName, Map.of());
                Set<String> tiers = new HashSet<>(was.keySet());
                tiers.addAll(is.keySet());
                for (String tier : tiers) {
                    OverrideInForce heard = is.get(tier);
                    if (!Objects.equals(was.get(tier), heard)) {
                        limiter.applyOverride(tier, heard == null || heard.cleared() ? null : heard);
                    }
                }
            }
        }
    }

    /**
     * Stores an override where every instance hears of it; see {@link Limiter#override(Limit)}.
     *
     * @return what to apply on this instance, {@code null} for a clear
     */
    OverrideInForce storeOverride(String limitName, String tier, Limit limit, Duration expiry) {
        String what = "Limit '" + limitName + "'" + (tier.isEmpty() ? "" : ", tier '" + tier + "'") + ": the "
                + (limit == null ? "clearing of the override" : "override");
        try {
            return openStore().storeOverride(limitName, tier, limit, expiry);
        } catch (OverrideOutcomeUnknownException e) {
            throw new IllegalStateException(what + "'s outcome is unknown: " + e.getMessage());
        } catch (io.ratewarden.store.StoreUnavailableException e) {
            throw new IllegalStateException(what + " could not be stored on Redis, so nothing changed: "
                    + e.getMessage());
        }
    }

    /**
     * Returns the limits defined so far, in no particular order.
     *
     * @return a snapshot of the limits, never {@code null}
     */
    public List<Limiter> limits() {
        return List.copyOf(limiters.values());
    }

    /**
     * Calls {@code listener} with each limit defined so far, at once, and with each limit defined
     * from now on, as it is defined: each limit exactly once. For metrics that follow the limits
     * (see {@code ratewarden-micrometer}). The listener runs on the thread that defines the limit,
     * before that thread's first call is decided; it must be quick and must not define limits.
     *
     * @param listener the listener, never {@code null}
     */
    public void onLimitDefined(Consumer<Limiter> listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (definitions) {
            definitionListeners.add(listener);
            for (Limiter limiter : limiters.values()) {
                listener.accept(limiter);
            }
        }
    }

    /**
     * Returns every counter of the instance, read at one moment: the store's report, Redis's
     * answers and their time, the over-limit cache's rejections, the failure policy's decisions,
     * and each limit's counters by backend. The MXBeans, the Micrometer meters and the Spring
     * Boot health component read their numbers from it. Does no I/O.
     *
     * @return the snapshot, never {@code null}
     */
    public Metrics metrics() {
        List<Limiter> all = new ArrayList<>(limiters.values());
        all.sort(Comparator.comparing(Limiter::name));
        List<Metrics.LimitMetrics> limits = new ArrayList<>(all.size());
        for (Limiter limiter : all) {
            limits.add(limiter.metrics());
        }
        return new Metrics(name, Instant.now(), store.info(), store.redisCalls(),
                Duration.ofNanos(store.redisCallNanos()), store.cachedRejections(), store.fallbackDecisions(),
                store.probesToRecover(), limits);
    }

    /**
     * Returns the instance's name, its identity in logs and JMX.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the policy applied when Redis cannot decide and an annotation says
     * {@link FailurePolicy#DEFAULT}.
     *
     * @return the default failure policy, never {@link FailurePolicy#DEFAULT}
     */
    public FailurePolicy failurePolicy() {
        return failurePolicy;
    }

    /**
     * Probes Redis now and returns whether it decides afterwards; without Redis, returns
     * {@code true}. Blocks at most for the Redis timeout.
     *
     * @return whether the primary backend is healthy after the probe
     */
    public boolean probe() {
        return store.probe();
    }

    /**
     * Returns a report of the store's state. Does no I/O.
     *
     * @return the report
     */
    public StoreInfo storeInfo() {
        return store.info();
    }

    /**
     * Returns whether the primary backend is usable. Does no I/O.
     *
     * @return {@code true} when healthy
     */
    public boolean isHealthy() {
        return store.isHealthy();
    }

    /**
     * Unregisters the MXBeans, stops the probe and releases the store (shutting down a Redisson
     * client Ratewarden created). Idempotent. Later calls for permits fail with
     * {@link IllegalStateException}. Returns within a second, whatever the client's connect
     * timeout: a heartbeat in progress gets the Redis timeout (100 to 600 ms) to end, then is
     * interrupted; a connection attempt that cannot be interrupted is not waited for, and the
     * client is shut down on a daemon thread once it ends.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            if (jmx != null) {
                jmx.unregisterAll();
            }
        } finally {
            store.close();
        }
    }

    /** The settings the instance was built with. */
    RatewardenSettings settings() {
        return settings;
    }

    InstanceStore openStore() {
        if (closed) {
            throw new IllegalStateException("Ratewarden '" + name + "' is closed");
        }
        return store;
    }

    @Override
    public String toString() {
        return "Ratewarden[" + name + "]";
    }

    /**
     * Configures a {@link Ratewarden}. Not thread-safe; each setter returns this builder.
     */
    public static final class Builder {
        private String name;
        private long localMaxKeys = 100_000;
        private FailurePolicy failurePolicy = FailurePolicy.FALLBACK_LOCAL;
        private Ticker ticker = Ticker.systemTicker();
        /** The Redis source, given the store module's provider; {@code null} without Redis. */
        private Function<SharedBackendProvider, RedisSource> redis;
        /** The Redis setting, masked, for the message when the store module is missing. */
        private String redisSetting;
        private SharedBackendProvider redisProvider;
        private RedisSource redisSource;
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
        private final Map<String, MutableLimit> limitSettings = new LinkedHashMap<>();

        private Builder() {
        }

        /** The settings as they stand, validated one by one by the setters. */
        RatewardenSettings settings() {
            String instanceName = name != null ? name : "ratewarden-" + UNNAMED.incrementAndGet();
            Map<String, ConfiguredLimit> limits = new LinkedHashMap<>();
            limitSettings.forEach((limitName, limit) -> limits.put(limitName, limit.freeze()));
            return new RatewardenSettings(instanceName, failurePolicy, redisTimeout, probeInterval, keyPrefix,
                    fallbackShare, overLimitCache, localMaxKeys, redisAlgorithm, startupWait, overrideWait, shadow,
                    reportRemaining,
                    limits);
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
        public Builder configure(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            SettingsTable.apply(this, key, key, value);
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
        public Builder configure(Map<String, String> settings) {
            Objects.requireNonNull(settings, "settings");
            String url = null;
            String yaml = null;
            for (String key : settings.keySet()) {
                String normal = SettingsTable.normal(key);
                url = normal.equals("redisurl") ? key : url;
                yaml = normal.equals("redissonyaml") ? key : yaml;
            }
            if (url != null && yaml != null) {
                throw new IllegalArgumentException(url + " and " + yaml + " are both set: set one of them");
            }
            settings.forEach(this::configure);
            return this;
        }

        /**
         * Sets whether every limit is in shadow mode (default {@code false}): calls are decided
         * and counted as usual, but a call a limit would reject proceeds, counted by
         * {@link Limiter#shadowRejected()}. A limit's own {@code shadow} setting in configuration
         * comes first.
         *
         * @param enabled whether to reject nothing
         * @return this builder
         */
        public Builder shadow(boolean enabled) {
            this.shadow = enabled;
            return this;
        }

        /**
         * Sets whether a grant's {@link Decision} carries the permits its bucket has left
         * ({@link Decision#remaining()}, from the same decision: no further round trip; default
         * {@code false}, when grants report {@link Decision#NOT_REPORTED} and a grant in memory
         * allocates nothing). The Spring Boot starter turns it on for
         * {@code ratewarden.web.rate-limit-headers}.
         *
         * @param enabled whether grants report the permits left
         * @return this builder
         */
        public Builder reportRemaining(boolean enabled) {
            this.reportRemaining = enabled;
            return this;
        }

        /**
         * Configures a tier of a limit: calls of that tier ({@link Limiter#tier(String)}, or the
         * {@code tier} expression of {@link RateLimited}) are limited to {@code limit}, in buckets
         * of their own. The same as the settings {@code limits.<name>.tiers.<tier>.permits} and
         * {@code .window}.
         *
         * @param limitName the limit's name
         * @param tier the tier's name, not empty
         * @param limit the tier's limit
         * @return this builder
         */
        public Builder tier(String limitName, String tier, Limit limit) {
            Objects.requireNonNull(limit, "limit");
            if (Objects.requireNonNull(tier, "tier").isEmpty() || Objects.requireNonNull(limitName, "limitName")
                    .isEmpty()) {
                throw new IllegalArgumentException("a tier needs a limit name and a tier name");
            }
            MutableLimit configured = limitSettings.computeIfAbsent(limitName, n -> new MutableLimit())
                    .tiers.computeIfAbsent(tier, t -> new MutableLimit());
            configured.permits = limit.permits();
            configured.window = limit.window();
            return this;
        }

        /** Applies one limit setting read by {@link SettingsTable}. */
        void configureLimit(String limitName, String tier, String attribute, String source, String value) {
            if (limitName.isEmpty() || (tier != null && tier.isEmpty())) {
                throw new IllegalArgumentException("expected limits.<name>.<setting> or"
                        + " limits.<name>.tiers.<tier>.<setting>");
            }
            MutableLimit limit = limitSettings.computeIfAbsent(limitName, n -> new MutableLimit());
            MutableLimit target = tier == null ? limit : limit.tiers.computeIfAbsent(tier, t -> new MutableLimit());
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

        /** A limit's configuration while it is being read; {@link #freeze()} makes the value. */
        private static final class MutableLimit {
            private Long permits;
            private Duration window;
            private Boolean shadow;
            private final Map<String, MutableLimit> tiers = new LinkedHashMap<>();

            ConfiguredLimit freeze() {
                Map<String, ConfiguredLimit> frozen = new LinkedHashMap<>();
                tiers.forEach((tier, limit) -> frozen.put(tier, limit.freeze()));
                return new ConfiguredLimit(permits, window, shadow, frozen);
            }
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
        public Builder redisUrl(String url) {
            RedisAddress address = RedisAddress.parse(url); // validates now: a bad URL fails where it is written
            return redis(provider -> provider.fromUrl(url), "redisUrl " + address.masked());
        }

        /**
         * Decides on the Redis a Redisson YAML file describes (single server, Sentinel, Cluster,
         * replicated); Ratewarden creates a client of its own per {@link #build()} and shuts it down
         * on {@link Ratewarden#close()}. The file holds the password in clear text: Ratewarden never
         * logs it. Needs {@code io.ratewarden:ratewarden-redis}. Replaces any earlier Redis or store
         * setting.
         *
         * @param yaml the file
         * @return this builder
         * @throws IllegalArgumentException if the file cannot be read or parsed (read now when
         *     {@code ratewarden-redis} is present, else {@link #build()} fails)
         */
        public Builder redissonYaml(Path yaml) {
            Objects.requireNonNull(yaml, "redissonYaml");
            SharedBackendProvider present = SharedBackends.find();
            RedisSource read = present == null ? null : present.fromYaml(yaml); // fails here, where the file is named
            return redis(provider -> read != null ? read : provider.fromYaml(yaml), "redissonYaml " + yaml);
        }

        /**
         * Decides on the Redis a source from {@code io.ratewarden:ratewarden-redis} describes: a
         * Redisson {@code Config} or a client the caller owns
         * ({@code io.ratewarden.redis.RedissonSource}). Replaces any earlier Redis or store setting.
         *
         * @param source the source, never {@code null}
         * @return this builder
         */
        public Builder redis(RedisSource source) {
            Objects.requireNonNull(source, "redis");
            return redis(provider -> source, "redis " + source.maskedAddress());
        }

        private Builder redis(Function<SharedBackendProvider, RedisSource> source, String setting) {
            this.redis = source;
            this.redisSetting = setting;
            this.plugged = null;
            return this;
        }

        /**
         * Decides on a store of the caller's instead of memory or Redis (see the
         * {@link io.ratewarden.store} package for the contract it must keep). A call the store
         * cannot decide, because it throws {@link io.ratewarden.store.StoreUnavailableException},
         * is decided by the failure policy ({@link FailurePolicy#FALLBACK_LOCAL}: this instance's
         * memory, with the whole limit). {@link Ratewarden#storeInfo()} and
         * {@link Ratewarden#isHealthy()} report the store's own {@code info()} and
         * {@code isHealthy()}. The caller owns the store: {@link Ratewarden#close()} does not close
         * it. Replaces any earlier Redis setting.
         *
         * @param store the store, never {@code null}
         * @return this builder
         */
        public Builder store(RateLimitStore store) {
            this.plugged = Objects.requireNonNull(store, "store");
            this.redis = null;
            this.redisSetting = null;
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
        public Builder redisTimeout(Duration redisTimeout) {
            Objects.requireNonNull(redisTimeout, "redisTimeout");
            if (redisTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("redisTimeout must be at least 1 ms, was " + redisTimeout);
            }
            this.redisTimeout = redisTimeout;
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
        public Builder probeInterval(Duration probeInterval) {
            Objects.requireNonNull(probeInterval, "probeInterval");
            if (probeInterval.toMillis() < 10) {
                throw new IllegalArgumentException("probeInterval must be at least 10 ms, was " + probeInterval);
            }
            this.probeInterval = probeInterval;
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
        public Builder keyPrefix(String keyPrefix) {
            Objects.requireNonNull(keyPrefix, "keyPrefix");
            if (keyPrefix.indexOf('{') >= 0 || keyPrefix.indexOf('}') >= 0) {
                throw new IllegalArgumentException("keyPrefix must not contain '{' or '}' (they choose Redis Cluster"
                        + " slots), was '" + keyPrefix + "'");
            }
            this.keyPrefix = keyPrefix;
            return this;
        }

        /**
         * Sets the instance's name, its identity in logs and JMX. Default: {@code ratewarden-N}.
         *
         * @param name the name, not blank
         * @return this builder
         * @throws IllegalArgumentException if {@code name} is blank
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = name;
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
        public Builder localMaxKeys(long localMaxKeys) {
            if (localMaxKeys < 1) {
                throw new IllegalArgumentException("localMaxKeys must be at least 1, was " + localMaxKeys);
            }
            this.localMaxKeys = localMaxKeys;
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
        public Builder failurePolicy(FailurePolicy failurePolicy) {
            Objects.requireNonNull(failurePolicy, "failurePolicy");
            if (failurePolicy == FailurePolicy.DEFAULT) {
                throw new IllegalArgumentException("failurePolicy DEFAULT is only valid on @RateLimited");
            }
            this.failurePolicy = failurePolicy;
            return this;
        }

        /**
         * Sets the time source of the in-memory limiter (default {@link Ticker#systemTicker()}),
         * so that tests can step time.
         *
         * @param ticker the ticker, never {@code null}
         * @return this builder
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
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
        public Builder fallbackShare(FallbackShare fallbackShare) {
            this.fallbackShare = Objects.requireNonNull(fallbackShare, "fallbackShare");
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
        public Builder overLimitCache(boolean enabled) {
            this.overLimitCache = enabled;
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
        public Builder redisAlgorithm(RedisAlgorithm redisAlgorithm) {
            this.redisAlgorithm = Objects.requireNonNull(redisAlgorithm, "redisAlgorithm");
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
        public Builder startupWait(Duration startupWait) {
            Objects.requireNonNull(startupWait, "startupWait");
            if (startupWait.isNegative()) {
                throw new IllegalArgumentException("startupWait must not be negative, was " + startupWait);
            }
            this.startupWait = startupWait;
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
        public Builder overrideWait(Duration overrideWait) {
            Objects.requireNonNull(overrideWait, "overrideWait");
            if (overrideWait.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("overrideWait must be at least 1 ms, was " + overrideWait);
            }
            this.overrideWait = overrideWait;
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
        public Builder jmx(boolean enabled) {
            this.jmx = enabled;
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
            if (redis != null) {
                redisProvider = SharedBackends.provider(redisSetting);
                redisSource = redis.apply(redisProvider);
                if (!redisProvider.accepts(redisSource)) {
                    throw new IllegalArgumentException("redis(" + redisSource.getClass().getName() + "): not a source"
                            + " from " + SharedBackends.ARTIFACT + "; use io.ratewarden.redis.RedissonSource");
                }
            }
            return new Ratewarden(this);
        }
    }
}
