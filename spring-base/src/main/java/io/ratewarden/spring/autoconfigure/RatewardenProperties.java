package io.ratewarden.spring.autoconfigure;

import io.ratewarden.FailurePolicy;
import io.ratewarden.RedisAlgorithm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code ratewarden.*} properties: one for each setting of {@code RatewardenBuilder}, plus
 * what the starter itself does. A builder setting left unset ({@code null}) keeps the builder's
 * default. Bound with Boot's relaxed binding: {@code ratewarden.redis-url},
 * {@code RATEWARDEN_REDIS_URL} and {@code ratewarden.redisUrl} are one property.
 *
 * @param enabled whether the starter builds a Ratewarden instance at all
 * @param name the instance's name in logs, JMX, metrics and health; defaults to
 *     spring.application.name, else to a generated name
 * @param redisUrl the Redis address, redis:// or rediss://, masked wherever it is shown; without
 *     it or redisson-yaml, a RedissonClient bean is used, else the REDIS_URL environment
 *     variable, else the instance decides in memory
 * @param redissonYaml a Redisson YAML configuration file, instead of redis-url
 * @param redisTimeout how long a call waits for Redis before the failure policy decides it
 *     (default 100ms)
 * @param probeInterval how often Redis is probed (default 1s)
 * @param failurePolicy what decides a call while Redis cannot: FALLBACK_LOCAL (default), ALLOW
 *     or REJECT
 * @param fallbackShare the share of a limit each instance admits in memory during an outage:
 *     live-instances (default), full, or a number of instances to divide by
 * @param localMaxKeys the most keys the in-memory limiter holds (default 100000)
 * @param keyPrefix the prefix of Ratewarden's keys on Redis (default rw:&lt;spring.application.name&gt;:,
 *     or rw: without an application name)
 * @param jmx whether the instance registers its MXBeans (default true)
 * @param overLimitCache whether Redis's rejections are cached until their retry time (default true)
 * @param redisAlgorithm how buckets are kept on Redis: RRATE_LIMITER (default, Redisson's layout)
 *     or COMPACT (a few hundred bytes per key whatever the limit)
 * @param startupWait how long the context's start waits for the first connection to Redis, so
 *     that the first request is decided there (default 10s; 0 never waits)
 * @param overrideWait how long an operator's override waits for Redis to store it (default 5s)
 * @param shadow whether every limit rejects nothing and counts what it would reject (default
 *     false); a limit's own shadow setting comes first
 * @param coalesce whether calls for one bucket on Redis queue behind the one in flight and go
 *     together in its next round trip (default true)
 * @param clockGranularity the beat of the in-memory limiter's clock (default 1ms; 0 reads the
 *     system clock on every decision)
 * @param stackTraces whether a RateLimitExceededException records its stack trace (default false)
 * @param limits limits by name: permits, window, shadow and tiers; these come before the
 *     annotations' values
 * @param install whether the instance is installed for the @RateLimited aspect
 * @param proxy where nothing was woven, whether Spring AOP proxies limit the beans
 * @param web what a rejected call answers over HTTP
 * @param health what the Actuator health component reports
 */
@ConfigurationProperties(prefix = "ratewarden")
public record RatewardenProperties(
        @DefaultValue("true") boolean enabled,
        String name,
        String redisUrl,
        Path redissonYaml,
        Duration redisTimeout,
        Duration probeInterval,
        FailurePolicy failurePolicy,
        String fallbackShare,
        Long localMaxKeys,
        String keyPrefix,
        Boolean jmx,
        Boolean overLimitCache,
        RedisAlgorithm redisAlgorithm,
        Duration startupWait,
        Duration overrideWait,
        Boolean shadow,
        Boolean coalesce,
        Duration clockGranularity,
        Boolean stackTraces,
        Map<String, LimitProperties> limits,
        @DefaultValue("true") boolean install,
        @DefaultValue Proxy proxy,
        @DefaultValue Web web,
        @DefaultValue Health health) {

    /**
     * One limit's {@code ratewarden.limits.<name>.*} properties. A limit named with dots or
     * other special characters is written in brackets: {@code ratewarden.limits[api.v1].permits}.
     *
     * @param permits the permits per window
     * @param window the window: 500ms, 10s, 1m, 1h, 1d or ISO-8601
     * @param shadow whether the limit rejects nothing and counts what it would reject
     * @param tiers the limit's tiers by name, each with its own permits and window
     */
    public record LimitProperties(Long permits, Duration window, Boolean shadow, Map<String, TierProperties> tiers) {
    }

    /**
     * One tier's {@code ratewarden.limits.<name>.tiers.<tier>.*} properties; what is not set is
     * the limit's own.
     *
     * @param permits the tier's permits per window
     * @param window the tier's window
     */
    public record TierProperties(Long permits, Duration window) {
    }

    /**
     * The {@code ratewarden.proxy.*} properties.
     *
     * @param enabled whether beans with @RateLimited methods whose classes no AspectJ weaving
     *     reached are limited through Spring AOP proxies (default true)
     */
    public record Proxy(@DefaultValue("true") boolean enabled) {
    }

    /**
     * The {@code ratewarden.web.*} properties.
     *
     * @param enabled whether a rejected call answers 429 with Retry-After and a problem body
     * @param rateLimitHeaders whether every response of a limited handler, and every 429,
     *     carries the RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers
     *     (default false)
     */
    public record Web(@DefaultValue("true") boolean enabled, boolean rateLimitHeaders) {
    }

    /**
     * The {@code ratewarden.health.*} properties.
     *
     * @param outOfServiceWhenFallingBack whether the health component reports OUT_OF_SERVICE,
     *     instead of UP, while a configured Redis is not deciding: for a readiness group that
     *     should take the instance out of rotation during an outage (default false)
     */
    public record Health(boolean outOfServiceWhenFallingBack) {
    }
}
