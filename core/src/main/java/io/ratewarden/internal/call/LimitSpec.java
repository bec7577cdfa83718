package io.ratewarden.internal.call;

import io.ratewarden.FailurePolicy;
import java.time.Duration;
import java.util.List;

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
 * @param refundOn the failures that give the call's permits back, empty for none
 */
public record LimitSpec(String name, long permits, Duration window, int cost, long maxWaitNanos, FailurePolicy policy,
                 KeyFunction keyFunction, KeyFunction tierFunction, boolean shadow,
                 List<Class<? extends Throwable>> refundOn) {

    /** Whether {@code failure} gives this limit's permits back. */
    boolean refunds(Throwable failure) {
        for (Class<? extends Throwable> type : refundOn) {
            if (type.isInstance(failure)) {
                return true;
            }
        }
        return false;
    }
}
