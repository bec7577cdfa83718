package io.ratewarden.internal.store;

import io.ratewarden.store.StoreUnavailableException;

/**
 * A {@link StoreUnavailableException} for a backend that sent no answer in time, as opposed to one
 * that answered with an error or whose connection broke: a slow reply, which alone is no proof of
 * an outage. The message is masked.
 */
final class StoreTimeoutException extends StoreUnavailableException {

    private static final long serialVersionUID = 1L;

    private final long waitedNanos;
    private final boolean starved;

    private StoreTimeoutException(String maskedMessage, long waitedNanos, boolean starved) {
        super(maskedMessage);
        this.waitedNanos = waitedNanos;
        this.starved = starved;
    }

    /**
     * A wait of {@code waitedNanos} for an answer due within {@code timeoutNanos}. A thread that
     * woke more than half a timeout after its deadline was kept from the CPU: the answer may be
     * waiting unread on this side, so the timeout says nothing of the backend ({@link #starved()}).
     */
    static StoreTimeoutException after(String maskedMessage, long waitedNanos, long timeoutNanos) {
        return new StoreTimeoutException(maskedMessage, waitedNanos, waitedNanos - timeoutNanos > timeoutNanos / 2);
    }

    /** A timeout reported by the client library itself, after the full timeout. */
    static StoreTimeoutException reported(String maskedMessage, long timeoutNanos) {
        return new StoreTimeoutException(maskedMessage, timeoutNanos, false);
    }

    /** How long the call waited, from its start to this exception. */
    long waitedNanos() {
        return waitedNanos;
    }

    /** Whether the waiting thread woke well after its deadline: no evidence against the backend. */
    boolean starved() {
        return starved;
    }
}
