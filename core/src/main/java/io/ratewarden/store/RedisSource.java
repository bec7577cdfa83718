package io.ratewarden.store;

/**
 * Where an instance finds Redis, as the {@code ratewarden-redis} artifact describes it: a
 * Redisson configuration or a client the application owns
 * ({@code io.ratewarden.redis.RedissonSource}). An application obtains one there and passes it to
 * {@link io.ratewarden.RatewardenBuilder#redis(RedisSource)}; it does not implement this
 * interface, and a source of another origin is refused by {@code build()}. Implementations are
 * immutable and thread-safe.
 */
public interface RedisSource {

    /**
     * Returns the Redis address, for logs and reports, with any password replaced by {@code ***}.
     *
     * @return the masked address, never {@code null}
     */
    String maskedAddress();
}
