package io.ratewarden.internal.failover;

import io.ratewarden.internal.window.InMemoryRateLimitStore;
import io.ratewarden.internal.window.LocalBucket;
import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.StoreInfo;
import io.ratewarden.store.LimitKey;

/**
 * An instance without Redis: the in-memory store decides every call, and no failure policy ever
 * applies (memory does not fail). This class is thread-safe.
 */
final class LocalInstanceStore implements InstanceStore {

    private final InMemoryRateLimitStore local;

    /**
     * Creates the instance's store.
     *
     * @param local the in-memory store, closed with this one
     */
    LocalInstanceStore(InMemoryRateLimitStore local) {
        this.local = local;
    }

    @Override
    public Decision tryAcquire(LimitKey key, long permits, FailurePolicy onFailure) {
        return local.tryAcquire(key, permits);
    }

    @Override
    public long remaining(LimitKey key) {
        return local.remaining(key);
    }

    @Override
    public void reset(LimitKey key) {
        local.reset(key);
    }

    @Override
    public void refund(LimitKey key, long permits) {
        local.refund(key, permits);
    }

    @Override
    public LocalBucket keylessBucket() {
        return local.bucket();
    }

    /** Always {@code true}: there is nothing to probe. */
    @Override
    public boolean probe() {
        return true;
    }

    @Override
    public boolean isHealthy() {
        return true;
    }

    @Override
    public StoreInfo info() {
        return local.info();
    }

    @Override
    public void close() {
        local.close();
    }
}
