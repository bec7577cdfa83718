package io.ratewarden.internal.call;

import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.internal.failover.InstanceStore;
import io.ratewarden.store.LimitKey;

/**
 * What a call of several limits asks of one tier beyond its API: a decision that counts the call
 * as permitted only once every limit granted it, and permits given back. Implemented by the tier
 * itself and found through {@link LimitGates}. Thread-safe.
 */
public interface TierGate {

    /**
     * Decides one limit of a call of several, as {@code LimitTier.tryAcquire} does, counting a
     * rejection but not a grant ({@link #permitted}).
     *
     * @param key the caller's key
     * @param cost the permits the call takes
     * @param onStoreFailure what to do when the store cannot decide
     * @return the decision, never {@code null}
     */
    Decision decide(String key, long cost, FailurePolicy onStoreFailure);

    /**
     * Counts a call every limit granted: as permitted, and as near the limit when {@code granted}
     * left at most a fifth of it.
     *
     * @param key the caller's key
     * @param granted the grant {@link #decide} returned
     */
    void permitted(String key, Decision granted);

    /**
     * Gives back the permits a grant took, on the backend that decides and in this instance's
     * memory, without failing: a backend that cannot keeps them (said at DEBUG). A grant that
     * shadow mode made of a rejection took nothing and gives nothing back; so does every grant of
     * a limit in shadow mode when {@code granted} is unknown.
     *
     * @param key the caller's key
     * @param cost the permits the grant took
     * @param granted the grant {@link #decide} returned, or {@code null} when not known
     * @param counted whether the call was counted as permitted ({@link #permitted}): a call refused
     *     by a later limit was not, a call whose method failed was
     */
    void giveBack(String key, long cost, Decision granted, boolean counted);

    /**
     * Returns the bucket of a call on {@code key} when this limit can decide it together with the
     * call's other limits, in one request to {@link #store()}; {@code null} when it decides alone
     * (in shadow mode, whose rejections grant, or on the in-memory bucket of its empty key).
     *
     * @param key the caller's key
     * @return the bucket, or {@code null}
     */
    LimitKey jointKey(String key);

    /**
     * Returns the store this limit decides on.
     *
     * @return the store
     * @throws IllegalStateException once the instance is closed
     */
    InstanceStore store();

    /**
     * Counts a rejection of this limit that a joint decision returned, as {@link #decide} counts
     * its own.
     *
     * @param rejection the rejection
     * @return the decision the call gets (a grant in shadow mode)
     */
    Decision rejected(Decision rejection);
}
