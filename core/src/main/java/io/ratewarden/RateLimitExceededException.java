package io.ratewarden;

import io.ratewarden.store.LimitKey;
import java.time.Duration;
import java.util.Objects;

/**
 * Thrown when a call is rejected by a rate limit. Carries the limit, the key and a best estimate
 * of when a retry could pass.
 *
 * <p>A rejection is an expected outcome and costs little: the message is built only when asked
 * for, and the stack trace is not filled in unless the instance was built with
 * {@link RatewardenBuilder#stackTraces(boolean) stackTraces(true)} (setting
 * {@code ratewarden.stackTraces}). {@link #getStackTrace()} is then empty. Without a stack trace
 * the exception holds nothing that can change (no cause can be set, suppressed exceptions are
 * not kept), and rejections of a limit without key that get the same answer, to the clock's
 * granularity, may share one instance: do not tell rejections apart by identity.
 */
public class RateLimitExceededException extends RuntimeException {

    private static final long serialVersionUID = 2L;

    /** The limit, tier and key that rejected the call. */
    private final LimitKey limitKey;
    /** The retry time in nanoseconds, at least 0; its complement ({@code ~nanos}) for a store failure. */
    private final long retry;

    /**
     * Creates the exception for a call the limit rejected, without stack trace.
     *
     * @param limitName the limit's name, never {@code null} or empty
     * @param key the key the call was limited by ({@code ""} for a limit without key), never
     *     {@code null}, at most {@value LimitKey#MAX_KEY_LENGTH} characters
     * @param permits the limit's permits per window, as {@link Limit} accepts them
     * @param window the limit's window, as {@link Limit} accepts it
     * @param retryAfter the best estimate of the wait until a retry could pass; negative values are
     *     taken as zero
     * @throws IllegalArgumentException if the limit or the key is not valid
     */
    public RateLimitExceededException(String limitName, String key, long permits, Duration window,
                                      Duration retryAfter) {
        this(limitName, key, permits, window, retryAfter, false);
    }

    /**
     * Creates the exception, for a call the limit rejected or one rejected because the store could
     * not decide it, without stack trace.
     *
     * @param limitName the limit's name, never {@code null} or empty
     * @param key the key the call was limited by ({@code ""} for a limit without key), never
     *     {@code null}, at most {@value LimitKey#MAX_KEY_LENGTH} characters
     * @param permits the limit's permits per window, as {@link Limit} accepts them
     * @param window the limit's window, as {@link Limit} accepts it
     * @param retryAfter the best estimate of the wait until a retry could pass; negative values are
     *     taken as zero
     * @param storeFailure {@code true} when the store (Redis) could not decide the call in time and
     *     the {@link FailurePolicy#REJECT} policy rejected it: the limit was not the cause
     * @throws IllegalArgumentException if the limit or the key is not valid
     */
    public RateLimitExceededException(String limitName, String key, long permits, Duration window,
                                      Duration retryAfter, boolean storeFailure) {
        this(new LimitKey(limitName, new Limit(permits, window), key), nanos(retryAfter), storeFailure, false);
    }

    /**
     * Creates the exception for a call rejected under {@code limitKey}.
     *
     * @param limitKey the limit (its name and permits per window, as in force when the call was
     *     decided), tier and key that rejected the call; never {@code null}
     * @param retryAfterNanos the best estimate of the wait until a retry could pass, in
     *     nanoseconds; negative values are taken as zero
     * @param storeFailure {@code true} when the store (Redis) could not decide the call in time and
     *     the {@link FailurePolicy#REJECT} policy rejected it: the limit was not the cause
     * @param stackTrace whether to record the stack trace of the rejected call
     */
    public RateLimitExceededException(LimitKey limitKey, long retryAfterNanos, boolean storeFailure,
                                      boolean stackTrace) {
        super(null, null, false, stackTrace);
        this.limitKey = Objects.requireNonNull(limitKey, "limitKey");
        long nanos = Math.max(0, retryAfterNanos);
        this.retry = storeFailure ? ~nanos : nanos;
    }

    /** The retry time as the constructor encoded it: nanoseconds, their complement for a store failure. */
    final long encodedRetry() {
        return retry;
    }

    private static long nanos(Duration retryAfter) {
        if (retryAfter.isNegative()) {
            return 0;
        }
        return retryAfter.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : retryAfter.toNanos();
    }

    /**
     * Returns {@code Rate limit '<name>' exceeded: <permits> per <window>; retry after
     * <retryAfter>}, or for a {@linkplain #storeFailure() store failure} {@code Rate limit '<name>'
     * could not be checked: Redis did not answer in time or is unavailable, and the REJECT failure
     * policy rejects such calls; retry after <retryAfter>}. Built when asked for: a rejection that
     * nobody prints costs no text. The key is not in the message: keys are often personal data (a
     * user, an address), and an application that logs the exception must not log them unasked.
     * {@link #key()} has it.
     */
    @Override
    public String getMessage() {
        if (storeFailure()) {
            return "Rate limit '" + limitName() + "' could not be checked: Redis did not answer in time or is"
                    + " unavailable, and the REJECT failure policy rejects such calls; retry after " + retryAfter();
        }
        return "Rate limit '" + limitName() + "' exceeded: " + permits() + " per " + window() + "; retry after "
                + retryAfter();
    }

    /**
     * Returns whether the call was rejected because the store could not decide it (Redis did not
     * answer within the Redis timeout, or is unavailable) under the {@link FailurePolicy#REJECT}
     * policy, rather than because the limit was reached.
     *
     * @return {@code true} for a store failure, {@code false} for a limit reached
     */
    public boolean storeFailure() {
        return retry < 0;
    }

    /**
     * Returns the name of the limit that rejected the call.
     *
     * @return the limit's name
     */
    public String limitName() {
        return limitKey.limitName();
    }

    /**
     * Returns the key the call was limited by, {@code ""} for a limit without key.
     *
     * @return the key
     */
    public String key() {
        return limitKey.key();
    }

    /**
     * Returns the limit's permits per window, as in force when the call was decided.
     *
     * @return the permits per window
     */
    public long permits() {
        return limitKey.limit().permits();
    }

    /**
     * Returns the limit's window.
     *
     * @return the window
     */
    public Duration window() {
        return limitKey.limit().window();
    }

    /**
     * Returns the limit, tier and key that rejected the call.
     *
     * @return the key of the rejecting limit, never {@code null}
     */
    public LimitKey limitKey() {
        return limitKey;
    }

    /**
     * Returns the best estimate of how long until a retry could pass; never negative. Another
     * caller may take the permits first, and a store failure may change the estimate.
     *
     * @return the wait before a retry
     */
    public Duration retryAfter() {
        return Duration.ofNanos(retryAfterNanos());
    }

    /**
     * Returns {@link #retryAfter()} in nanoseconds, without creating a {@link Duration}.
     *
     * @return the wait before a retry, in nanoseconds, at least 0
     */
    public long retryAfterNanos() {
        return retry < 0 ? ~retry : retry;
    }
}
