package io.ratewarden.internal.failover;

import io.ratewarden.internal.settings.RatewardenSettings;
import io.ratewarden.internal.settings.SettingsDraft;
import io.ratewarden.internal.window.InMemoryRateLimitStore;
import io.ratewarden.internal.window.WindowClock;
import io.ratewarden.store.RedisSource;
import java.time.Clock;

/** Opens the store an instance decides with, as its settings ask: memory, Redis or a plugged store. */
public final class InstanceStores {

    private InstanceStores() {
    }

    /**
     * Opens the instance's store and starts its probe when it has a shared backend. Does not block.
     *
     * @param draft where the instance decides, and its ticker
     * @param settings the instance's settings, from {@code draft}
     * @return the store, which the instance closes
     * @throws IllegalStateException when Redis is asked for and {@value SharedBackends#ARTIFACT} is
     *     missing, naming it
     * @throws IllegalArgumentException when a Redis source is not one of that module's, or a
     *     Redisson file cannot be read
     */
    public static InstanceStore open(SettingsDraft draft, RatewardenSettings settings) {
        SharedBackend backend = null;
        if (draft.plugged() != null) {
            backend = new PluggedBackend(draft.plugged());
        } else if (draft.redisSetting() != null) {
            backend = redis(draft, settings);
        }
        WindowClock clock = draft.ticker() != null ? WindowClock.exact(draft.ticker())
                : WindowClock.of(draft.clockGranularity());
        InMemoryRateLimitStore local = new InMemoryRateLimitStore(settings.localMaxKeys(), clock,
                Clock.systemUTC(), settings.reportRemaining());
        return backend == null ? new LocalInstanceStore(local) : FailoverRateLimitStore.start(backend, local, settings);
    }

    private static SharedBackend redis(SettingsDraft draft, RatewardenSettings settings) {
        SharedBackendProvider provider = SharedBackends.provider(draft.redisSetting());
        RedisSource source;
        if (draft.redisUrl() != null) {
            source = provider.fromUrl(draft.redisUrl());
        } else if (draft.redissonYaml() != null) {
            source = provider.fromYaml(draft.redissonYaml());
        } else {
            source = draft.redisSource();
        }
        if (!provider.accepts(source)) {
            throw new IllegalArgumentException("redis(" + source.getClass().getName() + "): not a source from "
                    + SharedBackends.ARTIFACT + "; use io.ratewarden.redis.RatewardenRedis");
        }
        return provider.open(source, settings);
    }
}
