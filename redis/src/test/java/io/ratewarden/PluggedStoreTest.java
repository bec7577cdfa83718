package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.StoreState;
import io.ratewarden.internal.window.InMemoryRateLimitStore;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.StoreUnavailableException;
import io.ratewarden.store.tck.RateLimitStoreContract;
import io.ratewarden.testing.LogWatch;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A store of the user's, plugged in through the builder: it keeps the store contract (the store
 * test kit runs on it), decides every call, reports the instance's state, and a call it cannot
 * decide is decided by the failure policy.
 */
@Tag("redis")
class PluggedStoreTest {

    @RegisterExtension
    static final LogWatch LOG = LogWatch.failOnError();

    private static final Limit LIMIT = Limit.of(3, Duration.ofMinutes(1));

    @Test
    void thePluggedStoreDecidesEveryCallAndReportsTheInstancesState() {
        CountingStore store = new CountingStore();
        try (Ratewarden rw = Ratewarden.builder().store(store).jmx(false).build()) {
            Limiter api = rw.limit("api", LIMIT);
            for (String key : List.of("", "alice")) {
                for (int i = 0; i < 3; i++) {
                    assertThat(api.tryAcquire(key).allowed()).isTrue();
                }
                assertThat(api.tryAcquire(key).allowed()).isFalse();
            }
            assertThat(store.calls.get()).as("the empty key too goes to the plugged store").isEqualTo(8);
            assertThat(rw.storeInfo().backend()).as("the plugged store decides").isEqualTo(Backend.REDIS);
            assertThat(rw.storeInfo().state()).isEqualTo(StoreState.HEALTHY);
            assertThat(rw.storeInfo().redisUrl()).as("a plugged store has no Redis address").isNull();
            assertThat(rw.isHealthy()).isTrue();
            assertThat(api.permitted()).isEqualTo(6);
            assertThat(api.rejected()).isEqualTo(2);
        }
        assertThat(store.closed).as("the caller owns the store").isFalse();
    }

    @Test
    void aCallTheStoreCannotDecideIsDecidedByThePolicyAndTheLogSaysSoOnce() {
        CountingStore store = new CountingStore();
        try (Ratewarden rw = Ratewarden.builder().store(store).jmx(false).build()) {
            Limiter api = rw.limit("api", LIMIT);
            store.failing = true;
            long mark = LOG.mark();
            for (int i = 0; i < 3; i++) {
                Decision inMemory = api.tryAcquire("bob");
                assertThat(inMemory.allowed()).isTrue();
                assertThat(inMemory.decidedBy()).isEqualTo(Backend.IN_MEMORY);
            }
            assertThat(api.tryAcquire("bob").allowed()).as("memory holds the limit").isFalse();
            assertThat(api.tryAcquire("bob", 1, FailurePolicy.ALLOW).allowed()).isTrue();
            assertThat(api.tryAcquire("bob", 1, FailurePolicy.REJECT).allowed()).isFalse();
            // Not one per call: the failover, and at most one more when the probe finds another cause.
            assertThat(LOG.linesSince(mark, LogWatch.Level.WARN)).as("no WARN per call").hasSizeBetween(1, 2)
                    .anySatisfy(line -> assertThat(line.message()).contains("quota service is down"));
            assertThat(rw.storeInfo().state()).isEqualTo(StoreState.FAILED);

            store.failing = false;
            await().atMost(Duration.ofSeconds(20)).until(rw::isHealthy); // two probes that find it healthy
            assertThat(api.tryAcquire("carol").decidedBy()).isEqualTo(Backend.REDIS);
            assertThat(LOG.linesSince(mark, LogWatch.Level.INFO)).anySatisfy(
                    line -> assertThat(line.message()).contains("recovered after an outage"));
        }
    }

    @Test
    void aStoreSettingReplacesRedisAndRedisReplacesAStore() {
        CountingStore store = new CountingStore();
        try (Ratewarden rw = Ratewarden.builder().redisUrl("redis://127.0.0.1:1").store(store).jmx(false).build()) {
            rw.limit("api", LIMIT).tryAcquire("k");
            assertThat(store.calls.get()).isEqualTo(1);
            assertThat(rw.storeInfo().redisUrl()).isNull();
        }
        try (Ratewarden rw = Ratewarden.builder().store(store).redisUrl("redis://127.0.0.1:1").jmx(false).build()) {
            assertThat(rw.storeInfo().redisUrl()).isEqualTo("redis://127.0.0.1:1");
        }
    }

    /**
     * A store of the kind a user writes around a backend of theirs (here Ratewarden's own memory
     * store stands in for it), counting its calls, reporting its decisions as the shared backend's,
     * and failing on demand as a remote service does.
     */
    static final class CountingStore implements RateLimitStore {
        final AtomicLong calls = new AtomicLong();
        final InMemoryRateLimitStore backend = new InMemoryRateLimitStore(10_000);
        final StoreInfo info = new StoreInfo(Backend.REDIS, true, null, Instant.EPOCH, 0, 0, null, null, null, 0);
        volatile boolean failing;
        volatile boolean closed;

        @Override
        public Decision tryAcquire(LimitKey key, long permits) {
            if (failing) {
                throw new StoreUnavailableException("quota service is down");
            }
            calls.incrementAndGet();
            Decision decision = backend.tryAcquire(key, permits);
            return decision.allowed() ? Decision.allowed(Backend.REDIS)
                    : Decision.rejected(Backend.REDIS, decision.retryAfter());
        }

        @Override
        public long remaining(LimitKey key) {
            return backend.remaining(key);
        }

        @Override
        public void reset(LimitKey key) {
            backend.reset(key);
        }

        @Override
        public boolean isHealthy() {
            return !failing;
        }

        @Override
        public StoreInfo info() {
            return info;
        }

        @Override
        public void close() {
            closed = true;
            backend.close();
        }
    }

    /** The store this test plugs in keeps the store contract: the store test kit's first user. */
    @Nested
    class TheStoreKeepsTheStoreContract extends RateLimitStoreContract {

        @Override
        protected RateLimitStore newStore() {
            return new CountingStore();
        }

        /** Its backend loses everything: as a restart of the quota service, a new store. */
        @Override
        protected RateLimitStore loseState(RateLimitStore current) {
            current.close();
            return newStore();
        }

        @Override
        protected Backend decidingBackend() {
            return Backend.REDIS;
        }
    }
}
