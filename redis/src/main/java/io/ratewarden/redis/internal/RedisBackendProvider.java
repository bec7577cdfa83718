package io.ratewarden.redis.internal;

import io.ratewarden.internal.settings.RatewardenSettings;
import io.ratewarden.internal.failover.SharedBackend;
import io.ratewarden.internal.failover.SharedBackendProvider;
import io.ratewarden.store.RedisSource;
import java.nio.file.Path;

/**
 * Opens Redis backends for {@code io.ratewarden}, which finds this class through
 * {@link java.util.ServiceLoader}. Stateless and thread-safe.
 */
public final class RedisBackendProvider implements SharedBackendProvider {

    /** Creates the provider; {@link java.util.ServiceLoader} calls this. */
    public RedisBackendProvider() {
    }

    @Override
    public RedisSource fromUrl(String url) {
        RedisConnection.fromUrl(url).close(); // validates now, and masks the URL
        return new ConnectionSource(() -> RedisConnection.fromUrl(url), RedisConnection.maskUrl(url));
    }

    @Override
    public RedisSource fromYaml(Path yaml) {
        RedisConnection first = RedisConnection.fromYaml(yaml);
        return new ConnectionSource(first::reopen, first.maskedUrl());
    }

    @Override
    public boolean accepts(RedisSource source) {
        return source instanceof ConnectionSource;
    }

    @Override
    public SharedBackend open(RedisSource source, RatewardenSettings settings) {
        return RedisBackend.open(((ConnectionSource) source).connections().get(), settings);
    }
}
