package io.ratewarden.internal.failover;

import io.ratewarden.Limit;
import io.ratewarden.internal.settings.RatewardenSettings;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The operators' overrides on a shared backend: stored there within the instance's
 * {@code overrideWait}, heard back with every heartbeat, and written back first when the backend
 * lost them ({@link OverrideSync} keeps the versions). This class is thread-safe.
 */
final class SharedOverrides {

    private final OverrideSync sync;
    private final Heartbeats heartbeats;
    private final RedisHealth health;
    private final RatewardenSettings settings;
    private volatile Consumer<Map<String, Map<String, OverrideInForce>>> listener = heard -> { };

    SharedOverrides(OverrideSync sync, Heartbeats heartbeats, RedisHealth health, RatewardenSettings settings) {
        this.sync = sync;
        this.heartbeats = heartbeats;
        this.health = health;
        this.settings = settings;
    }

    void onOverrides(Consumer<Map<String, Map<String, OverrideInForce>>> listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** The overrides a heartbeat read: written back when the backend lost them, else handed on. */
    void heard(Heartbeats.HeardOverrides heard) {
        long now = System.nanoTime();
        if (sync.lost(heard, now)) {
            Map<String, StoredOverride> restore = sync.toRestore(now);
            try {
                sync.restored(heartbeats.restoreOverrides(restore), restore);
            } catch (StoreUnavailableException e) {
                // tried again with the next heartbeat; until then nothing is cleared here
            }
            return;
        }
        Map<String, Map<String, OverrideInForce>> inForce = sync.heard(heard, now);
        if (inForce != null) {
            listener.accept(inForce);
        }
    }

    /**
     * Stores an override, or a clear ({@code limit} {@code null}), in one round trip while the
     * backend decides.
     *
     * @return what to apply on this instance, {@code null} for a clear
     * @throws OverrideOutcomeUnknownException when the backend did not answer in time: it may still store it
     * @throws StoreUnavailableException when the backend does not decide or answered with an error
     */
    OverrideInForce store(String limitName, String tier, Limit limit, Duration expiry) {
        if (!health.isHealthy()) {
            throw new StoreUnavailableException(health.described() + " is not deciding (last error: "
                    + health.info(0).lastError() + ")");
        }
        String field = OverrideFields.field(limitName, tier);
        long sent = System.nanoTime();
        Heartbeats.StoreOutcome stored;
        try {
            stored = heartbeats.storeOverride(field, limit, expiry, settings.overrideWait());
        } catch (StoreTimeoutException e) {
            throw new OverrideOutcomeUnknownException(health.described() + " did not answer within "
                    + settings.overrideWait().toMillis() + " ms, and may still apply it; this instance reads back what Redis"
                    + " holds with its next probe, within " + settings.probeInterval().toMillis() + " ms");
        }
        long deadline = limit == null || expiry == null || expiry.isZero() ? OverrideInForce.NEVER
                : sent + expiry.toNanos();
        sync.stored(field, stored.written(), deadline, stored.epoch());
        return limit == null ? null : new OverrideInForce(limit, stored.written().version(), deadline);
    }
}
