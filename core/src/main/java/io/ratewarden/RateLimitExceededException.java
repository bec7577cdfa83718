package io.ratewarden;

import java.time.Duration;
import java.util.Objects;

/**
 * Thrown when a call is rejected by a rate limit. Carries the limit, the key and a best estimate
 * of when a retry could pass.
 *
 * <p>The stack trace is not filled in and the message is built only when asked for: a rejection
 * is an expected outcome and its cost should be small.
 */
public class RateLimitExceededException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String limitName;
    private final String key;
    private final long permits;
    private final Duration window;
    private final Duration retryAfter;
    private final boolean storeFailure;

    /**
     * Creates the exception for a call the limit rejected.
     *
     * @param limitName the limit's name, never {@code null}
     * @param key the key the call was limited by ({@code ""} for a limit without key), never
     *     {@code null}
     * @param permits the limit's permits per window
     * @param window the limit's window, never {@code null}
     * @param retryAfter the best estimate of the wait until a retry could pass; negative values are
     *     taken as zero
     */
    public RateLimitExceededException(String limitName, String key, long permits, Duration window,
                                      Duration retryAfter) {
        this(limitName, key, permits, window, retryAfter, false);
    }

    /**
     * Creates the exception, for a call the limit rejected or one rejected because the store could
     * not decide it.
     *
     * @param limitName the limit's name, never {@code null}
     * @param key the key the call was limited by ({@code ""} for a limit without key), never
     *     {@code null}
     * @param permits the limit's permits per window
     * @param window the limit's window, never {@code null}
     * @param retryAfter the best estimate of the wait until a retry could pass; negative values are
     *     taken as zero
     * @param storeFailure {@code true} when the store (Redis) could not decide the call in time and
     *     the {@link FailurePolicy#REJECT} policy rejected it: the limit was not the cause
     */
    public RateLimitExceededException(String limitName, String key, long permits, Duration window,
                                      Duration retryAfter, boolean storeFailure) {
        super(null, null, false, false);
        this.limitName = Objects.requireNonNull(limitName, "limitName");
        this.key = Objects.requireNonNull(key, "key");
        this.permits = permits;
        this.window = Objects.requireNonNull(window, "window");
        this.retryAfter = retryAfter.isNegative() ? Duration.ZERO : retryAfter;
        this.storeFailure = storeFailure;
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
        if (storeFailure) {
            return "Rate limit '" + limitName + "' could not be checked: Redis did not answer in time or is"
                    + " unavailable, and the REJECT failure policy rejects such calls; retry after " + retryAfter;
        }
        return "Rate limit '" + limitName + "' exceeded: " + permits + " per " + window + "; retry after " + retryAfter;
    }

    /**
     * Returns whether the call was rejected because the store could not decide it (Redis did not
     * answer within the Redis timeout, or is unavailable) under the {@link FailurePolicy#REJECT}
     * policy, rather than because the limit was reached.
     *
     * @return {@code true} for a store failure, {@code false} for a limit reached
     */
    public boolean storeFailure() {
        return storeFailure;
    }

    /**
     * Returns the name of the limit that rejected the call.
     *
     * @return the limit's name
     */
    public String limitName() {
        return limitName;
    }

    /**
     * Returns the key the call was limited by, {@code ""} for a limit without key.
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * Returns the limit's permits per window.
     *
     * @return the permits per window
     */
    public long permits() {
        return permits;
    }

    /**
     * Returns the limit's window.
     *
     * @return the window
     */
    public Duration window() {
        return window;
    }

    /**
     * Returns the best estimate of how long until a retry could pass; never negative. Another
     * caller may take the permits first, and a store failure may change the estimate.
     *
     * @return the wait before a retry
     */
    public Duration retryAfter() {
        return retryAfter;
    }
}
