/**
 * Ratewarden on Redis through Redisson: {@link io.ratewarden.redis.RatewardenRedis} turns a
 * Redisson {@code Config} or {@code RedissonClient} into a source for the instance builder.
 */
package io.ratewarden.redis;
