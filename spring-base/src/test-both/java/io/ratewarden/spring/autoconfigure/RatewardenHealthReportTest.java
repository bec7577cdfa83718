package io.ratewarden.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.Ratewarden;
import io.ratewarden.StoreInfo;
import io.ratewarden.StoreState;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What the health component reports in each state of the store, on either Boot line. */
@Tag("unit")
class RatewardenHealthReportTest {

    /** A store that reports the state it is given. */
    private record Reporting(StoreState state) implements RateLimitStore {
        @Override
        public Decision tryAcquire(LimitKey key, long permits) {
            return Decision.allowed(Backend.IN_MEMORY);
        }

        @Override
        public boolean isHealthy() {
            return state == StoreState.HEALTHY;
        }

        @Override
        public StoreInfo info() {
            boolean healthy = isHealthy();
            return new StoreInfo(healthy ? Backend.REDIS : Backend.IN_MEMORY, healthy, "redis://cache:6379",
                    Instant.EPOCH, 0, 0, null, null, null, 0, state);
        }
    }

    private static RatewardenHealthReport report(StoreState state, boolean outOfServiceWhenFallingBack) {
        try (Ratewarden rw = Ratewarden.builder().jmx(false).store(new Reporting(state)).build()) {
            return RatewardenHealthReport.of(rw, outOfServiceWhenFallingBack);
        }
    }

    @Test
    void connectingIsSaidAndIsNoFailureUnlessReadinessAsksForRedis() {
        RatewardenHealthReport connecting = report(StoreState.CONNECTING, false);
        assertThat(connecting.outOfService()).isFalse();
        assertThat(connecting.details()).containsEntry("state", "CONNECTING").containsEntry("degraded", true);
        assertThat(report(StoreState.CONNECTING, true).outOfService()).as("not on Redis yet: not ready").isTrue();
        assertThat(report(StoreState.FAILED, false).outOfService()).isFalse();
        assertThat(report(StoreState.FAILED, true).outOfService()).isTrue();
        RatewardenHealthReport healthy = report(StoreState.HEALTHY, true);
        assertThat(healthy.outOfService()).isFalse();
        assertThat(healthy.details()).containsEntry("state", "HEALTHY").containsEntry("degraded", false)
                .containsEntry("backend", "REDIS");
    }
}
