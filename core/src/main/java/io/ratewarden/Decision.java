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
 * @param remaining the permits the bucket had left after this decision, from the same decision
 *     (no further round trip), or {@value #NOT_REPORTED} when not reported: an instance reports
 *     it on grants when built with {@code reportRemaining(true)}, and a rejection reports 0
 * @param storeFailure whether the call was rejected because the store could not decide it (Redis
 *     did not answer in time or is unavailable, under the {@link FailurePolicy#REJECT} policy), not
 *     because the limit was reached; always {@code false} for a grant
 */
public record Decision(boolean allowed, Backend decidedBy, Duration retryAfter, long remaining, boolean storeFailure) {

    /** What {@link #remaining()} says when the decision does not report it. */
    public static final long NOT_REPORTED = -1;

    private static final Decision ALLOWED_IN_MEMORY = new Decision(true, Backend.IN_MEMORY, Duration.ZERO, NOT_REPORTED);
    private static final Decision ALLOWED_BY_REDIS = new Decision(true, Backend.REDIS, Duration.ZERO, NOT_REPORTED);

    /**
     * Validates the decision.
     *
     * @throws NullPointerException if {@code decidedBy} or {@code retryAfter} is {@code null}
     * @throws IllegalArgumentException if {@code retryAfter} is negative, or not zero although the
     *     request was allowed, or {@code remaining} is below {@value #NOT_REPORTED}, or a grant is
     *     marked as a store failure
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
        if (remaining < NOT_REPORTED) {
            throw new IllegalArgumentException("remaining must be at least -1, was " + remaining);
        }
        if (allowed && storeFailure) {
            throw new IllegalArgumentException("storeFailure must be false when allowed");
        }
    }

    /**
     * Creates a decision that the limit made (not a store failure).
     *
     * @param allowed whether the permits were granted
     * @param decidedBy the backend that decided
     * @param retryAfter see the record's components
     * @param remaining see the record's components
     */
    public Decision(boolean allowed, Backend decidedBy, Duration retryAfter, long remaining) {
        this(allowed, decidedBy, retryAfter, remaining, false);
    }

    /**
     * Creates a decision without the permits remaining: a grant reports {@value #NOT_REPORTED},
     * a rejection 0.
     *
     * @param allowed whether the permits were granted
     * @param decidedBy the backend that decided
     * @param retryAfter see the record's components
     */
    public Decision(boolean allowed, Backend decidedBy, Duration retryAfter) {
        this(allowed, decidedBy, retryAfter, allowed ? NOT_REPORTED : 0);
    }

    /**
     * Returns a grant by {@code backend}, not reporting the permits remaining; the same instance
     * for each backend, so a grant allocates nothing.
     *
     * @param backend the deciding backend
     * @return the grant
     */
    public static Decision allowed(Backend backend) {
        return backend == Backend.REDIS ? ALLOWED_BY_REDIS : ALLOWED_IN_MEMORY;
    }

    /**
     * Returns a grant by {@code backend} that leaves {@code remaining} permits in the bucket.
     *
     * @param backend the deciding backend
     * @param remaining the permits left, at least 0
     * @return the grant
     */
    public static Decision allowed(Backend backend, long remaining) {
        return new Decision(true, backend, Duration.ZERO, Math.max(0, remaining));
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
        return new Decision(false, backend, retryAfter.isNegative() ? Duration.ZERO : retryAfter, 0);
    }

    /**
     * Returns a rejection because the store could not decide, by the {@link FailurePolicy#REJECT}
     * policy: decided in memory, {@link #storeFailure()} {@code true}.
     *
     * @param retryAfter when the store may decide again; negative values are taken as zero
     * @return the rejection
     */
    public static Decision storeFailure(Duration retryAfter) {
        return new Decision(false, Backend.IN_MEMORY, retryAfter.isNegative() ? Duration.ZERO : retryAfter, 0, true);
    }
}
