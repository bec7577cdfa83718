package io.ratewarden.redis.internal;

import io.ratewarden.store.RedisSource;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A source of Redis connections: one new connection per instance built on it.
 *
 * @param connections opens the connection of one instance
 * @param maskedAddress the address, masked
 */
public record ConnectionSource(Supplier<RedisConnection> connections, String maskedAddress) implements RedisSource {

    /**
     * Checks the components.
     *
     * @param connections opens the connection of one instance
     * @param maskedAddress the address, masked
     */
    public ConnectionSource {
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(maskedAddress, "maskedAddress");
    }

    @Override
    public String toString() {
        return "RedisSource[" + maskedAddress + "]";
    }
}
