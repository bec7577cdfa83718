package io.ratewarden.store;

/**
 * Thrown by a store that could not decide: its backend is unreachable, timed out, or refused the
 * command (out of memory, read-only, wrong password). The message is masked: it never holds a
 * secret.
 */
public class StoreUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param maskedMessage what failed, already masked
     */
    public StoreUnavailableException(String maskedMessage) {
        super(maskedMessage, null, false, false);
    }
}
