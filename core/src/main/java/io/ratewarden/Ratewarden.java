package io.ratewarden;

import io.ratewarden.internal.EnvironmentSettings;
import io.ratewarden.store.InMemoryRateLimitStore;
import io.ratewarden.store.RateLimitStore;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A configured rate limiter: the store that decides, the named limits, and their state.
 *
 * <pre>{@code
 * Ratewarden rw = Ratewarden.builder().name("orders-service").build();
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
    private final RateLimitStore store;
    private final FailurePolicy failurePolicy;
    private final ConcurrentMap<String, Limiter> limiters = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private Ratewarden(Builder builder) {
        this.name = builder.name != null ? builder.name : "ratewarden-" + UNNAMED.incrementAndGet();
        this.failurePolicy = builder.failurePolicy;
        this.store = new InMemoryRateLimitStore(builder.localMaxKeys, builder.ticker, Clock.systemUTC());
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
     * Builds an instance from the environment: the {@code ratewarden.*} system properties for every
     * builder setting (see the configuration reference in the documentation). Without a Redis URL
     * the instance decides in memory.
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
        if (current != null) {
            return current;
        }
        synchronized (INSTALL_LOCK) {
            if (installed == null) {
                installed = fromEnvironment();
            }
            return installed;
        }
    }

    /**
     * Returns the limit named {@code name}, defining it on first use. Every call with the same
     * name returns a limiter of the same bucket.
     *
     * @param name the limit's name, not empty
     * @param limit the limit's definition
     * @return the limiter
     * @throws IllegalStateException if {@code name} is already defined with another limit
     * @throws IllegalArgumentException if {@code name} is empty
     */
    public Limiter limit(String name, Limit limit) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(limit, "limit");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("limit name must not be empty");
        }
        Limiter limiter = limiters.computeIfAbsent(name, n -> new Limiter(this, n, limit));
        if (!limiter.sameDefinition(limit)) {
            throw new IllegalStateException("Limit '" + name + "' of Ratewarden '" + this.name
                    + "' is already defined as " + limiter.limit() + "; cannot redefine it as " + limit);
        }
        return limiter;
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
     * Releases the store. Idempotent. Later calls for permits fail with
     * {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        store.close();
    }

    RateLimitStore openStore() {
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

        private Builder() {
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
         * Builds the instance.
         *
         * @return a new instance
         */
        public Ratewarden build() {
            return new Ratewarden(this);
        }
    }
}
