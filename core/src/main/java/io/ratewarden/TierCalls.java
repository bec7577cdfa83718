package io.ratewarden;

import io.ratewarden.internal.call.TierGate;
import io.ratewarden.internal.failover.InstanceStore;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.StoreUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tier's part in calls of several limits, which take permits of all or of none: a decision
 * that counts a grant only once every limit granted the call, and the permits given back when a
 * later limit refused it or the method failed. This class is thread-safe.
 */
final class TierCalls implements TierGate {

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.limits");

    private final LimitTier tier;

    TierCalls(LimitTier tier) {
        this.tier = tier;
    }

    /**
     * Whether a call on {@code key} is decided by the keyless bucket's window in memory, which
     * counts its grants itself.
     */
    private boolean countedByWindow(String key) {
        return key != null && key.isEmpty() && tier.parent == null && tier.keylessBucket != null;
    }

    @Override
    public Decision decide(String key, long cost, FailurePolicy onStoreFailure) {
        if (countedByWindow(key)) {
            Decision decision = tier.keylessBucket.tryAcquire(tier.keylessKey(), cost);
            if (!decision.allowed()) {
                return tier.counters.rejected(decision);
            }
            if (cost != 1) {
                tier.counters.keylessExtra(cost - 1);
            }
            return decision;
        }
        Decision decision = tier.access.open().tryAcquire(tier.keyOf(key), cost, onStoreFailure);
        return decision.allowed() ? decision : tier.counters.rejected(decision);
    }

    @Override
    public void permitted(String key, Decision granted) {
        if (countedByWindow(key)) {
            tier.counters.nearLimit(granted, tier.limit().permits());
        } else {
            tier.counters.permitted(granted, tier.limit().permits());
        }
    }

    @Override
    public void giveBack(String key, long cost, Decision granted, boolean counted) {
        LimitCounters counters = tier.counters;
        if (granted == null ? counters.shadow() : counters.isShadowGrant(granted)) {
            return; // shadow mode granted a rejected call, or may have: it took nothing
        }
        if (!counted && countedByWindow(key)) {
            counters.keylessGivenBack();
        }
        try {
            tier.access.open().refund(tier.keyOf(key), cost);
        } catch (StoreUnavailableException | UnsupportedOperationException e) {
            LOG.debug("{}: {} permit(s) not given back on every backend: {}", tier.described(), cost, e.getMessage());
        }
    }

    @Override
    public LimitKey jointKey(String key) {
        return tier.counters.shadow() || countedByWindow(key) ? null : tier.keyOf(key);
    }

    @Override
    public InstanceStore store() {
        return tier.access.open();
    }

    @Override
    public Decision rejected(Decision rejection) {
        return tier.counters.rejected(rejection);
    }
}
