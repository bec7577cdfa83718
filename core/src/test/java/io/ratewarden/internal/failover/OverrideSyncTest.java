package io.ratewarden.internal.failover;

import io.ratewarden.internal.failover.Heartbeats;
import io.ratewarden.internal.failover.OverrideInForce;
import io.ratewarden.internal.failover.OverrideSync;
import io.ratewarden.internal.failover.StoredOverride;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.Limit;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link OverrideSync} tells a lost hash of overrides from one this instance's own write created. */
@Tag("unit")
class OverrideSyncTest {

    private static final Limit RAISED = Limit.of(42, Duration.ofMinutes(1));
    private static final Limit LOWERED = Limit.of(3, Duration.ofMinutes(1));

    @Test
    void aHashThisInstancesWriteCreatedIsNotTakenForALostOne() {
        OverrideSync sync = new OverrideSync("sync-test", "redis://127.0.0.1:6379");
        long now = System.nanoTime();
        assertThat(sync.heard(new Heartbeats.HeardOverrides(null, Map.of(), 1_000), now)).isEmpty();
        StoredOverride written = new StoredOverride(RAISED, 0, 5);
        sync.stored("quotes", written, OverrideInForce.NEVER, "epoch-1");
        Heartbeats.HeardOverrides afterWrite = new Heartbeats.HeardOverrides("epoch-1", Map.of("quotes", written), 1_001);
        assertThat(sync.lost(afterWrite, now)).isFalse();
        assertThat(sync.heard(afterWrite, now)).containsKey("quotes");

        Heartbeats.HeardOverrides lost = new Heartbeats.HeardOverrides(null, Map.of(), 1_002);
        assertThat(sync.lost(lost, now)).as("the hash vanished while this instance holds an override").isTrue();
        assertThat(sync.heard(lost, now)).as("nothing is cleared on a lost hash").isNull();
        assertThat(sync.toRestore(now)).containsEntry("quotes", written);

        StoredOverride ending = new StoredOverride(LOWERED, 2_000, 6);
        Heartbeats.HeardOverrides withEnd = new Heartbeats.HeardOverrides("epoch-2", Map.of("quotes", ending), 1_500);
        sync.restored("epoch-2", Map.of("quotes", written));
        Map<String, Map<String, OverrideInForce>> applied = sync.heard(withEnd, now);
        assertThat(applied.get("quotes").get("").deadlineNanos()).as("ends 500 ms after the read, on this clock")
                .isEqualTo(now + 500_000_000L);
        assertThat(sync.toRestore(now + 600_000_000L)).as("an ended override is not written back").isEmpty();
    }
}
