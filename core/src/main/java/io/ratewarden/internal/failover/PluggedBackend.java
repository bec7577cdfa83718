package io.ratewarden.internal.failover;

import io.ratewarden.Decision;
import io.ratewarden.StoreInfo;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * A store the application plugged in, as the shared backend of the failover store: the same
 * health state machine, probe, outage admission and recovery as Redis. The probe asks the store's
 * {@link RateLimitStore#isHealthy()}; a plugged store says nothing of the instances that share it,
 * so each instance admits the whole limit in memory while it cannot decide (one instance alive);
 * overrides stay on the instance that sets them. The store is the application's: closing the
 * instance leaves it open. This class is thread-safe.
 */
final class PluggedBackend implements SharedBackend, Heartbeats {

    private final RateLimitStore store;
    private final Owned owned;

    PluggedBackend(RateLimitStore store) {
        this.store = Objects.requireNonNull(store, "store");
        this.owned = new Owned(store);
    }

    @Override
    public ReseedableStore store() {
        return owned;
    }

    @Override
    public Heartbeats heartbeats() {
        return this;
    }

    /** {@inheritDoc} No I/O: the store's own {@link RateLimitStore#isHealthy()}. */
    @Override
    public Heartbeat beat(String instanceId, Duration ttl) {
        long start = System.nanoTime();
        if (!store.isHealthy()) {
            throw new StoreUnavailableException(described() + " reports that it is not healthy");
        }
        return new Heartbeat(Duration.ofNanos(System.nanoTime() - start), 1);
    }

    @Override
    public String describe(Throwable failure) {
        return failure.getClass().getSimpleName() + ": " + failure.getMessage();
    }

    /** {@inheritDoc} None: a plugged store has no address Ratewarden knows. */
    @Override
    public String maskedAddress() {
        return null;
    }

    @Override
    public String described() {
        return "store " + store.getClass().getName();
    }

    @Override
    public boolean sharesOverrides() {
        return false;
    }

    /** {@inheritDoc} Never: a plugged store's calls are not timed out by Ratewarden. */
    @Override
    public boolean granted(Object answer) {
        return false;
    }

    @Override
    public void onLateAnswer(Runnable listener) {
        // a plugged store's calls are never cut short: no late answers
    }

    @Override
    public void onReseed(BiConsumer<LimitKey, Long> listener) {
        // a plugged store re-creates nothing from this instance's grants
    }

    /** The plugged store, which the instance does not close. */
    private record Owned(RateLimitStore store) implements ReseedableStore {

        @Override
        public Decision tryAcquire(LimitKey key, long permits) {
            return store.tryAcquire(key, permits);
        }

        @Override
        public long remaining(LimitKey key) {
            return store.remaining(key);
        }

        @Override
        public void reset(LimitKey key) {
            store.reset(key);
        }

        @Override
        public void refund(LimitKey key, long permits) {
            store.refund(key, permits);
        }

        @Override
        public boolean isHealthy() {
            return store.isHealthy();
        }

        @Override
        public StoreInfo info() {
            return store.info();
        }

        /** The application owns the store: nothing to close. */
        @Override
        public void close() {
        }
    }
}
