package io.ratewarden.internal.failover;

import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.internal.window.InMemoryRateLimitStore;
import java.time.Duration;

/**
 * Grants near the limit (at most a fifth of it left) that do not report the permits left: equal
 * to {@link Decision#allowed(Backend)}, told apart by identity, so that the near-limit count reads
 * them from the decision at no cost. Memory's is {@link InMemoryRateLimitStore#NEAR_LIMIT}. Not
 * part of the API.
 */
public final class NearLimit {

    /** A grant by Redis that left at most a fifth of the limit. */
    public static final Decision BY_REDIS = new Decision(true, Backend.REDIS, Duration.ZERO, Decision.NOT_REPORTED);

    private NearLimit() {
    }

    /**
     * Returns whether {@code decision} is a grant that left at most a fifth of {@code permits}: a
     * marked one, or one that reports what it left.
     *
     * @param decision a grant
     * @param permits the limit's permits
     * @return whether it is near the limit
     */
    public static boolean is(Decision decision, long permits) {
        if (decision == BY_REDIS || decision == InMemoryRateLimitStore.NEAR_LIMIT) {
            return true;
        }
        long remaining = decision.remaining();
        return remaining != Decision.NOT_REPORTED && remaining <= permits / 5;
    }

    /**
     * Returns Redis's grant that left {@code remaining} of {@code permits}, reporting it when asked
     * to.
     *
     * @param remaining the permits left
     * @param permits the limit's permits
     * @param report whether grants report the permits left
     * @return the decision
     */
    public static Decision byRedis(long remaining, long permits, boolean report) {
        if (report) {
            return Decision.allowed(Backend.REDIS, remaining);
        }
        return remaining <= permits / 5 ? BY_REDIS : Decision.allowed(Backend.REDIS);
    }
}
