package io.ratewarden.internal;

import io.ratewarden.FailurePolicy;
import io.ratewarden.Limit;

/**
 * One {@code @RateLimited} annotation, validated and bound to its method.
 *
 * @param name the limit's name
 * @param limit permits and window
 * @param cost permits one call takes
 * @param maxWaitNanos how long a call may wait for its permits
 * @param policy the failure policy, possibly {@link FailurePolicy#DEFAULT}
 * @param keyFunction computes the key from the call, or {@code null} when the limit has no key
 */
record LimitSpec(String name, Limit limit, int cost, long maxWaitNanos, FailurePolicy policy,
                 KeyFunction keyFunction) {
}
