package io.ratewarden.internal.failover;

import io.ratewarden.internal.failover.FailoverRateLimitStore;
import io.ratewarden.internal.window.InMemoryRateLimitStore;
import io.ratewarden.internal.settings.RatewardenSettings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.Backend;
import io.ratewarden.redis.internal.RedisBackend;
import io.ratewarden.redis.internal.RedisConnection;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.StoreUnavailableException;
import io.ratewarden.store.tck.RateLimitStoreContract;
import io.ratewarden.testing.LogWatch;
import io.ratewarden.testing.RedisServerProcess;
import java.io.IOException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The store contract on the failover store with its Redis unreachable (a loopback port nothing
 * listens on): the service that started while Redis was down decides in memory, by the same
 * contract.
 */
@Tag("fault")
class FailoverWithRedisUnreachableContractTest extends RateLimitStoreContract {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    @Override
    protected RateLimitStore newStore() throws IOException {
        RedisConnection connection = RedisConnection.fromUrl("redis://127.0.0.1:" + RedisServerProcess.freePort());
        RatewardenSettings settings = FailoverOnHealthyRedisContractTest.settings("contract-unreachable", "rw-test:");
        FailoverRateLimitStore failover = FailoverRateLimitStore.start(RedisBackend.open(connection, settings),
                new InMemoryRateLimitStore(10_000), settings);
        assertThat(failover.probe()).as("Redis is unreachable").isFalse();
        return failover;
    }

    /** Memory loses its state with its process: a restarted instance starts with a new store. */
    @Override
    protected RateLimitStore loseState(RateLimitStore current) throws IOException {
        current.close();
        return newStore();
    }

    /** Memory, which decides, is reset; the failure to reach Redis is said, never hidden. */
    @Override
    protected void reset(LimitKey key) {
        assertThatThrownBy(() -> store.reset(key)).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("memory only");
    }

    @Override
    protected Backend decidingBackend() {
        return Backend.IN_MEMORY;
    }
}
