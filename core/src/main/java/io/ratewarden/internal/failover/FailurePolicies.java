package io.ratewarden.internal.failover;

import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.store.LimitKey;
import java.time.Duration;

/**
 * What a call gets when its store cannot decide it, by the failure policy: the one place that
 * says so for every instance store. {@link FailurePolicy#ALLOW} grants and
 * {@link FailurePolicy#REJECT} rejects (retry after a probe interval, when the store may decide
 * again), both reported as decided in memory; {@link FailurePolicy#FALLBACK_LOCAL} is left to the
 * caller, which knows what memory admits. This class is immutable and thread-safe.
 */
final class FailurePolicies {

    private final FailurePolicy instancePolicy;
    private final Duration rejectRetryAfter;

    /**
     * @param instancePolicy the instance's policy, not {@link FailurePolicy#DEFAULT}
     * @param rejectRetryAfter the retry time of a call the {@code REJECT} policy rejects
     */
    FailurePolicies(FailurePolicy instancePolicy, Duration rejectRetryAfter) {
        this.instancePolicy = instancePolicy;
        this.rejectRetryAfter = rejectRetryAfter;
    }

    /** The policy a call follows: its own, or the instance's for {@code null} or {@code DEFAULT}. */
    FailurePolicy resolve(FailurePolicy onFailure) {
        return onFailure == null || onFailure == FailurePolicy.DEFAULT ? instancePolicy : onFailure;
    }

    /**
     * Decides a call by {@code policy} (a resolved one) unless it is
     * {@link FailurePolicy#FALLBACK_LOCAL}, which returns {@code null}: memory decides.
     *
     * @throws IllegalArgumentException if {@code permits} is out of range for the key's limit
     */
    Decision decideUnlessLocal(FailurePolicy policy, LimitKey key, long permits) {
        return switch (policy) {
            case ALLOW -> {
                key.requirePermits(permits);
                yield Decision.allowed(Backend.IN_MEMORY);
            }
            case REJECT -> {
                key.requirePermits(permits);
                yield Decision.storeFailure(rejectRetryAfter);
            }
            default -> null;
        };
    }
}
