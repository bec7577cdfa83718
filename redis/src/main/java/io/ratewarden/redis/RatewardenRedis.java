package io.ratewarden.redis;

import io.ratewarden.redis.internal.ConnectionSource;
import io.ratewarden.redis.internal.RedisConnection;
import io.ratewarden.store.RedisSource;
import java.util.Objects;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Redisson's configuration or client as a source for
 * {@link io.ratewarden.RatewardenBuilder#redis(RedisSource)}:
 * <pre>{@code
 * Ratewarden.builder().redis(RatewardenRedis.config(config)).build();
 * Ratewarden.builder().redis(RatewardenRedis.client(redissonClient)).build();
 * }</pre>
 * A URL or a Redisson YAML file needs nothing from here:
 * {@code Ratewarden.builder().redisUrl(...)} and {@code redissonYaml(...)} find this module by
 * themselves. This class is stateless and thread-safe.
 */
public final class RatewardenRedis {

    private RatewardenRedis() {
    }

    /**
     * Returns a source for the Redis deployment a Redisson configuration describes (single
     * server, Sentinel, Cluster, replicated). The configuration is copied now, with lazy
     * initialisation turned on; each instance built on the source creates a client of its own and
     * shuts it down on {@code close()}.
     *
     * @param config the configuration, never {@code null}
     * @return the source
     */
    public static RedisSource config(Config config) {
        Objects.requireNonNull(config, "config");
        RedisConnection first = RedisConnection.fromConfig(config); // copies once; each build() copies that
        return new ConnectionSource(first::reopen, first.maskedUrl());
    }

    /**
     * Returns a source for Redis through a client the caller owns. Ratewarden never shuts it
     * down, and uses the client's settings as they are (with Redisson's default reconnection
     * back-off, recovery after an outage can take up to ten seconds).
     *
     * @param client the client, never {@code null}
     * @return the source
     */
    public static RedisSource client(RedissonClient client) {
        Objects.requireNonNull(client, "client");
        RedisConnection connection = RedisConnection.ofClient(client);
        return new ConnectionSource(() -> RedisConnection.ofClient(client), connection.maskedUrl());
    }
}
