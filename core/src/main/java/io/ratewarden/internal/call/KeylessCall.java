package io.ratewarden.internal.call;

import io.ratewarden.Decision;
import io.ratewarden.Limiter;
import io.ratewarden.RateLimitExceededException;

/**
 * The hot case of a woven call: a method with one limit and no key or tier expression. A grant
 * is one call to the limit's {@link LimitGate}, which allocates nothing; a rejection allocates
 * its exception, and nothing when a fallback that does not take the exception answers it.
 * Everything a rejection needs lives apart from {@link #acquire()}, which keeps the woven method
 * small enough for the JIT to inline into its callers: a rejection thrown to a caller that
 * catches it is then a jump, not a stack unwinding. A request's record, when a web layer keeps
 * one, needs the decision itself: that path is out of line too. Thread-safe.
 */
final class KeylessCall {

    /** What a call that may proceed gets instead of a fallback's result: an object no fallback can return. */
    static final Object GRANTED = new Object();

    private final LimitSpec spec;
    private final InstalledLimiters installed;

    KeylessCall(LimitSpec spec, InstalledLimiters installed) {
        this.spec = spec;
        this.installed = installed;
    }

    /** Takes the call's permits, waiting up to the limit's {@code maxWaitMillis}, else throws. */
    void acquire() {
        long result = decide();
        if (result != 0) {
            throw rejection(result);
        }
    }

    /**
     * Takes the call's permits, waiting up to the limit's {@code maxWaitMillis}: 0 when granted,
     * else the rejection as {@link LimitGate#tryAcquireKeyless} returns it, for
     * {@link #rejection(long)}. Allocates nothing on a grant or a rejection in memory.
     */
    long decide() {
        if (CallRecord.inUse()) {
            long recorded = decideRecorded();
            return recorded == 0 ? 0 : waited(recorded);
        }
        long result = installed.firstGate().tryAcquireKeyless(spec.cost(), spec.policy());
        return result == 0 ? 0 : waited(result);
    }

    /**
     * Takes the call's permits: {@link LimitedMethod#GRANTED}, else what {@code fallback} returned
     * (given the exception only when it takes one).
     */
    Object acquireOrFallback(FallbackMethod fallback, Object target, Object a0, Object a1) {
        long result = CallRecord.inUse() ? decideRecorded() : installed.firstGate().tryAcquireKeyless(spec.cost(),
                spec.policy());
        if (result == 0) {
            return GRANTED;
        }
        long outcome = waited(result);
        if (outcome == 0) {
            return GRANTED;
        }
        try {
            return fallback.invoke(target, a0, a1, fallback.takesException() ? rejection(outcome) : null);
        } catch (Throwable failure) {
            throw KeylessCall.<RuntimeException>rethrow(failure);
        }
    }

    /** Decides with a decision object, added to the thread's request record if open. */
    private long decideRecorded() {
        Limiter limiter = installed.current()[0];
        Decision decision = limiter.tryAcquireKeyless(spec.cost(), spec.policy());
        CallRecord record = CallRecord.current();
        if (record != null) {
            record.add(spec.name(), limiter.limit(), decision);
        }
        return LimitGate.result(decision);
    }

    /**
     * After a rejection ({@code result} as {@link LimitGate} returns it): waits while the limit's
     * {@code maxWaitMillis} allows; 0 once granted, else the last rejection.
     */
    private long waited(long result) {
        if (spec.maxWaitNanos() == 0) {
            return result;
        }
        Decision decision = Waits.waitFor(installed.current()[0].tier(""), spec, "",
                System.nanoTime() + spec.maxWaitNanos(), result < 0 ? ~result : result);
        return decision == null ? result : LimitGate.result(decision);
    }

    /** The exception for a rejection {@link #decide()} returned. */
    RateLimitExceededException rejection(long result) {
        return installed.firstGate().keylessRejection(result);
    }

    /** Rethrows what a fallback threw as it is, checked or not: the woven method declares it. */
    @SuppressWarnings("unchecked")
    static <T extends Throwable> T rethrow(Throwable failure) throws T {
        throw (T) failure;
    }
}
