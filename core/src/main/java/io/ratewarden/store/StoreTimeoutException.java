package io.ratewarden.store;

/**
 * A {@link StoreUnavailableException} for a backend that sent no answer in time, as opposed to one
 * that answered with an error or whose connection broke: a slow reply, which alone is no proof of
 * an outage. The message is masked.
 */
final class StoreTimeoutException extends StoreUnavailableException {

    private static final long serialVersionUID = 1L;

    StoreTimeoutException(String maskedMessage) {
        super(maskedMessage);
    }
}
