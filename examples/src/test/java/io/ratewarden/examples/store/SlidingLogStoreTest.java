package io.ratewarden.examples.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.Backend;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.tck.RateLimitStoreContract;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A store written outside Ratewarden passes the published store test kit, and then limits calls
 * once plugged in: what docs/custom-store.md asks of a store of one's own.
 */
@Tag("unit")
class SlidingLogStoreTest extends RateLimitStoreContract {

    @Override
    protected RateLimitStore newStore() {
        return new SlidingLogStore();
    }

    /** The logs live in the JVM: losing them is a restart, which makes a new store. */
    @Override
    protected RateLimitStore loseState(RateLimitStore current) {
        current.close();
        return newStore();
    }

    @Override
    protected Backend decidingBackend() {
        return Backend.IN_MEMORY;
    }

    /** Beyond the kit: plugged into an instance, it decides every call. */
    @Test
    public void pluggedInItLimitsCalls() {
        SlidingLogStore plugged = new SlidingLogStore();
        try (Ratewarden rw = Ratewarden.builder().name("sliding-log").store(plugged).jmx(false).build()) {
            Limiter api = rw.limit("api", Limit.of(2, Duration.ofMinutes(1)));
            assertThat(api.tryAcquire("alice").allowed()).isTrue();
            assertThat(api.tryAcquire("alice").allowed()).isTrue();
            assertThat(api.tryAcquire("alice").allowed()).isFalse();
            assertThat(api.remaining("bob")).isEqualTo(2);
            assertThat(rw.storeInfo().localKeys()).as("the store's own report").isEqualTo(1);
        }
    }
}
