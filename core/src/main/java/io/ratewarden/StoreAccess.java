package io.ratewarden;

import io.ratewarden.internal.failover.InstanceStore;
import io.ratewarden.internal.failover.OverrideInForce;
import io.ratewarden.internal.failover.OverrideOutcomeUnknownException;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;

/**
 * One instance's store as its limits reach it: refused once the instance is closed, and the one
 * place that turns a store's failure to keep an override into the message an operator reads.
 * This class is thread-safe.
 */
final class StoreAccess {

    private final String instanceName;
    private final InstanceStore store;
    private final boolean stackTraces;
    private volatile boolean closed;

    StoreAccess(String instanceName, InstanceStore store, boolean stackTraces) {
        this.instanceName = instanceName;
        this.store = store;
        this.stackTraces = stackTraces;
    }

    /** Whether a rejection's exception records its stack trace. */
    boolean stackTraces() {
        return stackTraces;
    }

    /** The owning instance's name, for logs and messages. */
    String instanceName() {
        return instanceName;
    }

    /** The store, for a call; throws {@link IllegalStateException} once the instance is closed. */
    InstanceStore open() {
        if (closed) {
            throw new IllegalStateException("Ratewarden '" + instanceName + "' is closed");
        }
        return store;
    }

    /** The store, for reports, whether closed or not. */
    InstanceStore store() {
        return store;
    }

    boolean isClosed() {
        return closed;
    }

    /** Refuses calls from now on; returns whether this call closed it (once). */
    synchronized boolean close() {
        if (closed) {
            return false;
        }
        closed = true;
        return true;
    }

    /**
     * Stores an override of a limit ({@code tier} {@code ""}) or of one of its tiers where every
     * instance hears of it; {@code null} clears it.
     *
     * @return what to apply on this instance, {@code null} for a clear
     * @throws IllegalStateException when the store could not keep it, or its outcome is unknown
     */
    OverrideInForce storeOverride(String limitName, String tier, Limit limit, Duration expiry) {
        String what = "Limit '" + limitName + "'" + (tier.isEmpty() ? "" : ", tier '" + tier + "'") + ": the "
                + (limit == null ? "clearing of the override" : "override");
        try {
            return open().storeOverride(limitName, tier, limit, expiry);
        } catch (OverrideOutcomeUnknownException e) {
            throw new IllegalStateException(what + "'s outcome is unknown: " + e.getMessage());
        } catch (StoreUnavailableException e) {
            throw new IllegalStateException(what + " could not be stored on Redis, so nothing changed: "
                    + e.getMessage());
        }
    }
}
