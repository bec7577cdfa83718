package io.ratewarden.internal.failover;

import io.ratewarden.store.LimitKey;
import java.util.function.BiConsumer;

/**
 * A store that instances share (Redis, or a store the application plugged in), as it is opened
 * for one instance: what
 * {@link FailoverRateLimitStore} decides on while it is healthy, writes heartbeats to, and reports
 * failures of. Implementations are thread-safe.
 */
public interface SharedBackend {

    /**
     * Returns the store that decides calls: it throws {@link StoreTimeoutException} for an answer
     * that did not come in time, {@link KeyDataException} for one key's bad data, and
     * {@link io.ratewarden.store.StoreUnavailableException} for any other failure. Closed with the
     * instance.
     *
     * @return the store, the same on every call
     */
    ReseedableStore store();

    /**
     * Returns where this instance writes its heartbeat and reads the instances alive and the
     * operators' overrides.
     *
     * @return the heartbeats, the same on every call
     */
    Heartbeats heartbeats();

    /**
     * Returns a masked, one-line description of a failure that is not a
     * {@link io.ratewarden.store.StoreUnavailableException}.
     *
     * @param failure the failure, never {@code null}
     * @return the description, without secrets
     */
    String describe(Throwable failure);

    /**
     * Returns the backend's address, masked, for the report; {@code null} for a backend without one.
     *
     * @return the address, or {@code null}
     */
    String maskedAddress();

    /**
     * Returns the backend as logs and messages name it.
     *
     * @return for example {@code "Redis redis://cache:6379"}
     */
    default String described() {
        return "Redis " + maskedAddress();
    }

    /**
     * Returns whether operators' overrides are kept on the backend, where every instance hears of
     * them; a backend that does not keep them has each instance apply its overrides alone.
     *
     * @return {@code true} unless overridden
     */
    default boolean sharesOverrides() {
        return true;
    }

    /**
     * Returns whether a late answer of {@link ReseedableStore#tryAcquire(LimitKey, long, long)}
     * (see {@link StoreTimeoutException#onLateAnswer}) granted the call.
     *
     * @param answer the answer as the store received it
     * @return {@code true} for a grant
     */
    boolean granted(Object answer);

    /**
     * Registers what runs, on the client's thread, each time the backend answers a call after its
     * caller stopped waiting.
     *
     * @param listener the listener, never {@code null}
     */
    void onLateAnswer(Runnable listener);

    /**
     * Registers what runs each time a call re-created a bucket the backend had lost, with the key
     * and the grants it was re-created with.
     *
     * @param listener the listener, never {@code null}
     */
    void onReseed(BiConsumer<LimitKey, Long> listener);
}
