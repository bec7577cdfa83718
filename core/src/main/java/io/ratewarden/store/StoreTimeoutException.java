package io.ratewarden.store;

/**
 * A {@link StoreUnavailableException} for a backend that sent no answer in time, as opposed to one
 * that answered with an error or whose connection broke: a slow reply, which alone is no proof of
 * an outage. The message is masked.
 */
final class StoreTimeoutException extends StoreUnavailableException {

    private static final long serialVersionUID = 1L;

    private final long waitedNanos;
    private final boolean starved;

    /**
     * @param waitedNanos how long the call waited, from its start to this exception
     * @param starved whether the waiting thread woke well after its deadline: this JVM was short
     *     of CPU, so the missing answer says nothing of the backend
     */
    StoreTimeoutException(String maskedMessage, long waitedNanos, boolean starved) {
        super(maskedMessage);
        this.waitedNanos = waitedNanos;
        this.starved = starved;
    }

    long waitedNanos() {
        return waitedNanos;
    }

    boolean starved() {
        return starved;
    }
}
