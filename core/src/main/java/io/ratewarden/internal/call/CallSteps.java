package io.ratewarden.internal.call;

import io.ratewarden.LimitTier;
import io.ratewarden.RateLimitExceededException;

/**
 * What an asynchronous or reactive call asks of its limited method, step by step, so that a wait
 * never holds a thread: the tiers and keys of the call, one round of asking the limits, and the
 * fallback. Implemented by {@link LimitedMethod}; thread-safe.
 */
interface CallSteps {

    /** The keys of a call, one per limit. */
    String[] keysOf(Object target, Object[] args);

    /** The tiers of a call, one per limit. */
    LimitTier[] tiersOf(Object target, Object[] args);

    /**
     * Asks the limits, in order, without waiting (all or nothing); records each decision in
     * {@code record} when there is one.
     *
     * @return {@code null} when every limit granted, a {@link Pause} when a limit rejected but its
     *     retry time fits the call's wait, else the {@link RateLimitExceededException}, or
     *     {@link #UNOBSERVED_REJECTION} when the fallback takes none
     */
    Object step(LimitTier[] tiers, String[] keys, long start, CallRecord record);

    /**
     * Gives a granted call's permits back to the limits whose {@code refundOn} names its failure
     * (a {@code CompletionException}'s cause for one), without failing; returns the failure.
     */
    Throwable failed(LimitTier[] tiers, String[] keys, Throwable failure);

    /** Whether some limit of the method gives permits back on a failure. */
    boolean refunds();

    /** Whether the method names a fallback. */
    boolean hasFallback();

    /** Calls the fallback with the rejection. */
    Object fallback(Object target, Object[] args, RateLimitExceededException rejection) throws Throwable;

    /**
     * What {@link #step} returns for a rejection that a fallback which takes no exception answers:
     * no exception is made when nobody sees it.
     */
    Object UNOBSERVED_REJECTION = new Object();

    /**
     * Asking the limits again, {@code nanos} from now, is worth it: the refusing limit's retry time
     * fits its wait. The call holds no permit meanwhile.
     */
    record Pause(long nanos) {
    }
}
