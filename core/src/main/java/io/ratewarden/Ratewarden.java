package io.ratewarden;

import io.ratewarden.internal.failover.InstanceStore;
import io.ratewarden.internal.failover.InstanceStores;
import io.ratewarden.internal.settings.EnvironmentSettings;
import io.ratewarden.internal.settings.RatewardenSettings;
import io.ratewarden.internal.settings.SettingsDraft;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A configured rate limiter: the store that decides, the named limits, and their state.
 *
 * <p>Without Redis, an in-memory limiter decides. With Redis ({@link RatewardenBuilder#redisUrl(String)} and
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

    private static final Object INSTALL_LOCK = new Object();
    private static volatile Ratewarden installed;

    private final String name;
    private final RatewardenSettings settings;
    private final StoreAccess access;
    private final LimitRegistry limits;
    private final JmxBeans jmx; // null without JMX

    /** Opens the store the draft describes, registers the MXBeans and waits for Redis if asked. */
    Ratewarden(SettingsDraft draft) {
        RatewardenSettings settings = draft.settings();
        this.settings = settings;
        this.name = settings.name();
        InstanceStore store = InstanceStores.open(draft, settings); // fails first when a module is missing
        this.access = new StoreAccess(name, store, draft.stackTraces());
        JmxBeans beans;
        try {
            beans = draft.jmx() ? JmxBeans.claim(name) : null;
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        this.jmx = beans;
        this.limits = new LimitRegistry(settings, access, beans);
        if (beans != null) {
            try {
                beans.registerInstance(this::metrics, this::probe);
            } catch (RuntimeException e) {
                store.close();
                throw e;
            }
        }
        store.onOverrides(limits::overridesHeard);
        if (!settings.startupWait().isZero()) {
            store.awaitFirstVerdict(settings.startupWait());
        }
    }

    /**
     * Returns a new builder with every setting at its default.
     *
     * @return a builder
     */
    public static RatewardenBuilder builder() {
        return new RatewardenBuilder();
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
        RatewardenBuilder builder = builder();
        EnvironmentSettings.applyTo(builder.draft(), System.getenv(), System.getProperties());
        return builder.build();
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
        return limits.limit(name, limit.permits(), limit.window(), false);
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
        return limits.limit(name, 0, Duration.ofSeconds(1), false);
    }

    /**
     * Returns the limit named {@code name} as {@link RateLimited} defines it: {@code permits} (0
     * for configuration's), {@code window} unless configuration sets one, and shadow mode when
     * {@code shadow} or the instance's {@link RatewardenBuilder#shadow(boolean)} asks for it, unless
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
        return limits.limit(name, permits, window, shadow);
    }

    /**
     * Returns the limits defined so far, in no particular order.
     *
     * @return a snapshot of the limits, never {@code null}
     */
    public List<Limiter> limits() {
        return limits.limits();
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
        limits.onLimitDefined(listener);
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
        InstanceStore store = access.store();
        return new Metrics(name, Instant.now(), store.info(), store.redisCalls(),
                Duration.ofNanos(store.redisCallNanos()), store.cachedRejections(), store.fallbackDecisions(),
                store.probesToRecover(), limits.metrics());
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
        return settings.failurePolicy();
    }

    /**
     * Probes Redis now and returns whether it decides afterwards; without Redis, returns
     * {@code true}. Blocks at most for the Redis timeout.
     *
     * @return whether the primary backend is healthy after the probe
     */
    public boolean probe() {
        return access.store().probe();
    }

    /**
     * Returns a report of the store's state. Does no I/O.
     *
     * @return the report
     */
    public StoreInfo storeInfo() {
        return access.store().info();
    }

    /**
     * Returns whether the primary backend is usable. Does no I/O.
     *
     * @return {@code true} when healthy
     */
    public boolean isHealthy() {
        return access.store().isHealthy();
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
        if (!access.close()) {
            return;
        }
        try {
            if (jmx != null) {
                jmx.unregisterAll();
            }
        } finally {
            access.store().close();
        }
    }

    /** The settings the instance was built with. */
    RatewardenSettings settings() {
        return settings;
    }

    @Override
    public String toString() {
        return "Ratewarden[" + name + "]";
    }
}
