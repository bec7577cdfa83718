package io.ratewarden.internal.failover;

import io.ratewarden.internal.window.InMemoryRateLimitStore;
import io.ratewarden.Limit;
import io.ratewarden.store.LimitKey;

/**
 * What this instance knows of a key that Redis rejected: until when Redis has no room for which
 * cost, and how many grants the key's in-memory window held at the first decision after a failure
 * of Redis. Kept by {@link OutageAdmission} only for keys Redis rejected. This class is
 * thread-safe.
 */
final class RejectedKey {

    /** The other store's last rejection: until when (a ticker reading, exclusive) it has no room. */
    private volatile Verdict verdict = new Verdict(Long.MIN_VALUE, Long.MAX_VALUE, null);
    private volatile Held held; // null until the first decision after a failure

    /** A rejection of {@code cost} permits under {@code limit}, with no room for them before {@code until}. */
    private record Verdict(long until, long cost, Limit limit) {
    }

    /** What the window held when the other store failed at {@code failedAt}. */
    private record Held(long failedAt, long permits) {
    }

    /**
     * Notes a rejection at {@code read} of {@code cost} permits under {@code limit}, with no room
     * for them for {@code waitNanos}.
     */
    void rejectedAt(long read, long cost, long waitNanos, Limit limit) {
        verdict = new Verdict(read + Math.max(1, waitNanos), cost, limit);
    }

    /**
     * Returns the nanoseconds from {@code read} until the other store has room for {@code cost}
     * permits under {@code limit} as far as its last rejection tells, or 0 when that rejection does
     * not answer the call (expired, for a larger cost, since a smaller one may fit where it did
     * not, or under another limit, which may have room where the old one had none).
     */
    long rejectedFor(long read, long cost, Limit limit) {
        Verdict current = verdict;
        return cost >= current.cost() && read < current.until()
                && (limit == current.limit() || limit.equals(current.limit()))
                ? current.until() - read : 0;
    }

    /** Whether the key was known to be full at some time after {@code since}. */
    boolean rejectedAfter(long since) {
        return verdict.until() > since + 1; // full throughout [at, until)
    }

    /**
     * Returns the grants {@code local} held on {@code key} at this key's first decision after the
     * failure at {@code failedAt}: read on that decision, and the same for every later one.
     */
    long heldAt(long failedAt, InMemoryRateLimitStore local, LimitKey key) {
        Held current = held;
        if (current != null && current.failedAt() == failedAt) {
            return current.permits();
        }
        synchronized (this) {
            current = held;
            if (current == null || current.failedAt() != failedAt) {
                current = new Held(failedAt, local.held(key));
                held = current;
            }
            return current.permits();
        }
    }
}
