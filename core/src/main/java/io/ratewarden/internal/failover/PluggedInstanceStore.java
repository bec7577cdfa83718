package io.ratewarden.internal.failover;

import io.ratewarden.internal.window.InMemoryRateLimitStore;
import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.StoreInfo;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.StoreUnavailableException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An instance on a store the user plugged in: that store decides every call; a call it cannot
 * decide ({@link StoreUnavailableException}) is decided by the failure policy, in this instance's
 * memory for {@link FailurePolicy#FALLBACK_LOCAL} with the whole limit (a plugged store says
 * nothing of the instances that share it). Health and the report are the plugged store's own.
 * Logs a WARN when the store first fails after deciding, and an INFO when it decides again: never
 * one line per call. The plugged store is the user's and is not closed here. This class is
 * thread-safe.
 */
final class PluggedInstanceStore implements InstanceStore {

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.failover");

    private final String instanceName;
    private final RateLimitStore store;
    private final InMemoryRateLimitStore local;
    private final FailurePolicies policies;
    private final AtomicBoolean failing = new AtomicBoolean();
    private final LongAdder fallbackDecisions = new LongAdder();

    /**
     * Creates the instance's store.
     *
     * @param instanceName the owning instance's name, for logs
     * @param store the plugged store
     * @param local the in-memory store for {@link FailurePolicy#FALLBACK_LOCAL}, closed with this one
     * @param policies the instance's failure policies
     */
    PluggedInstanceStore(String instanceName, RateLimitStore store, InMemoryRateLimitStore local,
                         FailurePolicies policies) {
        this.instanceName = instanceName;
        this.store = Objects.requireNonNull(store, "store");
        this.local = local;
        this.policies = policies;
    }

    @Override
    public Decision tryAcquire(LimitKey key, long permits, FailurePolicy onFailure) {
        key.requirePermits(permits);
        try {
            Decision decision = store.tryAcquire(key, permits);
            if (failing.get() && failing.compareAndSet(true, false)) {
                LOG.info("Ratewarden '{}': store {} decides again", instanceName, store.getClass().getName());
            }
            return decision;
        } catch (StoreUnavailableException e) {
            if (failing.compareAndSet(false, true)) {
                LOG.warn("Ratewarden '{}': store {} could not decide, the failure policy decides until it does: {}",
                        instanceName, store.getClass().getName(), e.getMessage());
            } else {
                LOG.debug("Ratewarden '{}': store still failing: {}", instanceName, e.getMessage());
            }
        }
        fallbackDecisions.increment();
        Decision decision = policies.decideUnlessLocal(policies.resolve(onFailure), key, permits);
        return decision != null ? decision : local.tryAcquire(key, permits);
    }

    /** {@inheritDoc} The plugged store's answer; memory's while it cannot answer. */
    @Override
    public long remaining(LimitKey key) {
        try {
            return store.remaining(key);
        } catch (StoreUnavailableException e) {
            return local.remaining(key);
        }
    }

    /** {@inheritDoc} In memory and in the plugged store. */
    @Override
    public void reset(LimitKey key) {
        local.reset(key);
        store.reset(key);
    }

    /** {@inheritDoc} Answers the plugged store's {@link RateLimitStore#isHealthy()}: no I/O. */
    @Override
    public boolean probe() {
        return store.isHealthy();
    }

    @Override
    public boolean isHealthy() {
        return store.isHealthy();
    }

    @Override
    public StoreInfo info() {
        return Objects.requireNonNull(store.info(), "the plugged store's info()");
    }

    @Override
    public long fallbackDecisions() {
        return fallbackDecisions.sum();
    }

    /** Drops the in-memory keys; the plugged store stays open. */
    @Override
    public void close() {
        local.close();
    }
}
