package io.ratewarden.internal.call;

import io.ratewarden.FailurePolicy;
import java.time.Duration;

/**
 * One {@code @RateLimited} annotation, validated and bound to its method.
 *
 * @param name the limit's name
 * @param permits the annotation's permits, 0 for configuration's
 * @param window the annotation's window
 * @param cost permits one call takes
 * @param maxWaitNanos how long a call may wait for its permits
 * @param policy the failure policy, possibly {@link FailurePolicy#DEFAULT}
 * @param keyFunction computes the key from the call, or {@code null} when the limit has no key
 * @param tierFunction computes the tier from the call, or {@code null} when the limit has no tier
 * @param shadow whether the annotation asks for shadow mode
 */
public record LimitSpec(String name, long permits, Duration window, int cost, long maxWaitNanos, FailurePolicy policy,
                 KeyFunction keyFunction, KeyFunction tierFunction, boolean shadow) {
}
