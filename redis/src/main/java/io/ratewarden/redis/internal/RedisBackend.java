package io.ratewarden.redis.internal;

import io.ratewarden.RedisAlgorithm;
import io.ratewarden.internal.settings.RatewardenSettings;
import io.ratewarden.internal.failover.Heartbeats;
import io.ratewarden.internal.failover.ReseedableStore;
import io.ratewarden.internal.failover.SharedBackend;
import io.ratewarden.store.LimitKey;
import java.util.function.BiConsumer;

/**
 * One instance's Redis: the store of its algorithm, the heartbeat and the commands they share on
 * one connection. This class is thread-safe.
 */
public final class RedisBackend implements SharedBackend {

    private final RedisCommands commands;
    private final RedisRateLimitStore store;
    private final RedisInstances heartbeats;

    private RedisBackend(RedisCommands commands, RedisRateLimitStore store, RedisInstances heartbeats) {
        this.commands = commands;
        this.store = store;
        this.heartbeats = heartbeats;
    }

    /**
     * Opens the backend of one instance on {@code connection}, in the algorithm and under the key
     * prefix of {@code settings}. Does not block.
     *
     * @param connection the connection, closed with the backend's store
     * @param settings the instance's settings
     * @return the backend
     */
    public static RedisBackend open(RedisConnection connection, RatewardenSettings settings) {
        RedisCommands commands = new RedisCommands(connection, settings.redisTimeout());
        RedisNames names = new RedisNames(settings.keyPrefix());
        RedisLayout layout = settings.redisAlgorithm() == RedisAlgorithm.COMPACT
                ? new CompactLayout(commands, names) : new RedissonLimiterLayout(commands, names);
        RedisRateLimitStore store = new RedisRateLimitStore(commands, layout, settings.reportRemaining(), settings.coalesce());
        return new RedisBackend(commands, store, new RedisInstances(commands, names, layout.scripts()));
    }

    @Override
    public ReseedableStore store() {
        return store;
    }

    @Override
    public Heartbeats heartbeats() {
        return heartbeats;
    }

    @Override
    public String describe(Throwable failure) {
        return commands.describe(failure);
    }

    @Override
    public String maskedAddress() {
        return commands.maskedUrl();
    }

    @Override
    public boolean granted(Object answer) {
        return RedisCommands.resultOf(answer) >= 0;
    }

    @Override
    public void onLateAnswer(Runnable listener) {
        commands.onLateAnswer(listener);
    }

    @Override
    public void onReseed(BiConsumer<LimitKey, Long> listener) {
        store.onReseed(listener);
    }
}
