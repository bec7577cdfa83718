package io.ratewarden.internal.failover;

import io.ratewarden.store.StoreUnavailableException;

/**
 * Redis did not answer an override's write in time: it may still apply it. Not "nothing changed":
 * the instance reads back what Redis holds with its next heartbeat. The message is masked.
 */
public final class OverrideOutcomeUnknownException extends StoreUnavailableException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param maskedMessage what happened, without a secret
     */
    public OverrideOutcomeUnknownException(String maskedMessage) {
        super(maskedMessage);
    }
}
