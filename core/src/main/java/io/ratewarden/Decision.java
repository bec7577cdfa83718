package io.ratewarden;

import java.time.Duration;
import java.util.Objects;

/**
 * The answer to one request for permits.
 *
 * @param allowed whether the permits were granted
 * @param decidedBy the backend that decided
 * @param retryAfter when {@code allowed} is {@code false}, the best estimate of how long until the
 *     same request could be granted, never negative; {@link Duration#ZERO} when allowed
 */
public record Decision(boolean allowed, Backend decidedBy, Duration retryAfter) {

    private static final Decision ALLOWED_IN_MEMORY = new Decision(true, Backend.IN_MEMORY, Duration.ZERO);
    private static final Decision ALLOWED_BY_REDIS = new Decision(true, Backend.REDIS, Duration.ZERO);

    /**
     * Validates the decision.
     *
     * @throws NullPointerException if {@code decidedBy} or {@code retryAfter} is {@code null}
     * @throws IllegalArgumentException if {@code retryAfter} is negative, or not zero although the
     *     request was allowed
     */
    public Decision {
        Objects.requireNonNull(decidedBy, "decidedBy");
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative, was " + retryAfter);
        }
        if (allowed && !retryAfter.isZero()) {
            throw new IllegalArgumentException("retryAfter must be zero when allowed, was " + retryAfter);
        }
    }

    /**
     * Returns a grant by {@code backend}; the same instance for each backend, so a grant
     * allocates nothing.
     *
     * @param backend the deciding backend
     * @return the grant
     */
    public static Decision allowed(Backend backend) {
        return backend == Backend.REDIS ? ALLOWED_BY_REDIS : ALLOWED_IN_MEMORY;
    }

    /**
     * Returns a rejection by {@code backend}.
     *
     * @param backend the deciding backend
     * @param retryAfter best estimate of the wait until the request could be granted; negative
     *     values are taken as zero
     * @return the rejection
     */
    public static Decision rejected(Backend backend, Duration retryAfter) {
        return new Decision(false, backend, retryAfter.isNegative() ? Duration.ZERO : retryAfter);
    }
}
