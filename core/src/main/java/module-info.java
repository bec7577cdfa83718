/**
 * Ratewarden: rate limits by annotation, one shared limit on Redis, an in-memory limiter when
 * Redis is away.
 *
 * <p>Exported: {@code io.ratewarden} (the API), {@code io.ratewarden.jmx} (the MXBean
 * interfaces) and {@code io.ratewarden.store} (the store SPI). Everything else is internal;
 * The internals sit in packages by role under {@code io.ratewarden.internal}: {@code window}
 * (the in-memory windows and store), {@code failover} (health, probe, outage admission, the one
 * failover store and the shared-backend SPI), {@code call} (the woven method, keys, fallbacks,
 * async and reactive calls) and {@code settings}; {@code call} is open to the aspect and the
 * Spring starters, {@code failover} and {@code settings} to the Redis support, alone. Core carries no Redis client: {@code io.ratewarden.redis}
 * ({@code ratewarden-redis}) provides one through {@link java.util.ServiceLoader}.
 */
module io.ratewarden {
    requires com.github.benmanes.caffeine;
    requires java.management;
    requires org.slf4j;
    requires static reactor.core; // optional: methods returning Mono or Flux
    requires static org.reactivestreams;

    exports io.ratewarden;
    exports io.ratewarden.jmx;
    exports io.ratewarden.store;
    // the woven call, to the aspect and the Spring proxies
    exports io.ratewarden.internal.call to io.ratewarden.aspectj, io.ratewarden.spring;
    // the failover store's backend SPI and the settings, to the Redis support
    exports io.ratewarden.internal.failover to io.ratewarden.redis;
    exports io.ratewarden.internal.settings to io.ratewarden.redis;

    // Redis support, from io.ratewarden:ratewarden-redis when it is there
    uses io.ratewarden.internal.failover.SharedBackendProvider;
}
