/**
 * Ratewarden: rate limits by annotation, one shared limit on Redis, an in-memory limiter when
 * Redis is away.
 *
 * <p>Exported: {@code io.ratewarden} (the API), {@code io.ratewarden.jmx} (the MXBean
 * interfaces) and {@code io.ratewarden.store} (the store SPI). Everything else is internal;
 * {@code io.ratewarden.internal} is open to the aspect, the Spring Boot starter and the Redis
 * support alone. Core carries no Redis client: {@code io.ratewarden.redis}
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
    exports io.ratewarden.internal to io.ratewarden.aspectj, io.ratewarden.spring, io.ratewarden.redis;
    exports io.ratewarden.internal.store to io.ratewarden.redis;

    // Redis support, from io.ratewarden:ratewarden-redis when it is there
    uses io.ratewarden.internal.store.SharedBackendProvider;
}
