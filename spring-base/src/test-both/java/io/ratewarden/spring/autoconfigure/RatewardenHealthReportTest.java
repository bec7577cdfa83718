package io.ratewarden.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.Backend;
import io.ratewarden.Metrics;
import io.ratewarden.StoreInfo;
import io.ratewarden.StoreState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** What the health component reports in each state of the store, on either Boot line. */
@Tag("unit")
class RatewardenHealthReportTest {

    /** The report of an instance whose store reports {@code state}, as a snapshot says it. */
    private static RatewardenHealthReport report(StoreState state, boolean outOfServiceWhenFallingBack) {
        boolean healthy = state == StoreState.HEALTHY;
        StoreInfo info = new StoreInfo(healthy ? Backend.REDIS : Backend.IN_MEMORY, healthy, "redis://cache:6379",
                Instant.EPOCH, 0, 0, null, null, null, 0, state);
        Metrics snapshot = new Metrics("health-report", Instant.now(), info, 0, Duration.ZERO, 0, 0, 2, List.of());
        return RatewardenHealthReport.of(snapshot, outOfServiceWhenFallingBack);
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
