/**
 * Ratewarden: rate limits by annotation, one shared limit on Redis, an in-memory limiter when
 * Redis is away.
 *
 * <p>Exported: {@code io.ratewarden} (the API), {@code io.ratewarden.jmx} (the MXBean
 * interfaces) and {@code io.ratewarden.store} (the store SPI). Everything else is internal;
 * {@code io.ratewarden.internal} is open to the aspect and the Spring Boot starter alone.
 */
module io.ratewarden {
    requires transitive redisson; // the builder takes Redisson's Config and RedissonClient
    requires com.github.benmanes.caffeine;
    requires java.management;
    requires org.slf4j;
    requires static reactor.core; // optional: methods returning Mono or Flux
    requires static org.reactivestreams;

    exports io.ratewarden;
    exports io.ratewarden.jmx;
    exports io.ratewarden.store;
    exports io.ratewarden.internal to io.ratewarden.aspectj, io.ratewarden.spring;
}
