package io.ratewarden.internal.failover;

import io.ratewarden.store.StoreUnavailableException;

/**
 * Thrown by a store whose backend could not decide one key because that key's data is not a
 * limiter's (on Redis, a {@code WRONGTYPE} reply: something else wrote to the limiter's keys). The
 * backend itself is healthy and decides every other key; the store repairs the key, so a later call
 * on it is decided again. The message is masked.
 */
public final class KeyDataException extends StoreUnavailableException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param maskedMessage what failed, already masked
     */
    public KeyDataException(String maskedMessage) {
        super(maskedMessage);
    }
}
