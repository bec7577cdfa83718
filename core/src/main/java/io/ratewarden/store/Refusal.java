package io.ratewarden.store;

/**
 * What this instance knows of a key that another store (Redis) refused: when it last did, and
 * how many grants the key's window held at the first decision after a failure of that store.
 * Kept only for keys that store refused. This class is thread-safe.
 */
final class Refusal {

    private volatile long lastAt = Long.MIN_VALUE;
    private volatile Held held; // null until the first decision after a failure

    /** What the window held when the other store failed at {@code failedAt}. */
    private record Held(long failedAt, long permits) {
    }

    /** Notes a refusal at {@code read}. */
    void refusedAt(long read) {
        lastAt = read;
    }

    /** Whether the last refusal lies after {@code since}. */
    boolean refusedAfter(long since) {
        return lastAt > since;
    }

    /**
     * Returns the grants {@code window} held at this key's first decision after the failure at
     * {@code failedAt}: read on that decision, at {@code read}, and the same for every later one.
     */
    long heldAt(long failedAt, SlidingWindow window, long read) {
        Held current = held;
        if (current != null && current.failedAt() == failedAt) {
            return current.permits();
        }
        synchronized (this) {
            current = held;
            if (current == null || current.failedAt() != failedAt) {
                current = new Held(failedAt, window.heldInWindow(read));
                held = current;
            }
            return current.permits();
        }
    }
}
