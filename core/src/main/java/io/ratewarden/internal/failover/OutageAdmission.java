package io.ratewarden.internal.failover;

import io.ratewarden.internal.window.InMemoryRateLimitStore;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.FallbackShare;
import io.ratewarden.store.LimitKey;
import java.time.Duration;
import java.util.function.Function;

/**
 * What this instance admits in memory when Redis does not decide a call, and what it keeps of
 * Redis's answers so that memory is ready to: the outage rules, beside {@link RedisHealth}, which
 * says when they apply. {@link FailoverRateLimitStore} asks one or the other; neither store it
 * wraps knows of outages.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li><b>Warm recording.</b> While Redis decides, each of its grants is also counted in memory
 *       ({@link #grantedByRedis}), so that memory rejects what the window already holds when it
 *       takes over: an instance does not hand out a fresh full burst the moment Redis fails.</li>
 *   <li><b>The share.</b> During an outage memory admits this instance's {@link FallbackShare}
 *       of each limit, computed from the instances alive on Redis at the last heartbeat, so that
 *       N instances together stay near the limit rather than N times it.</li>
 *   <li><b>The rejection cap.</b> Each rejection by Redis is noted ({@link #rejectedByRedis}). A key
 *       Redis rejected within the window before the failure was full across all instances, so
 *       (with a share that divides the limit) this instance admits on it, until one window after
 *       the failure, no more than it held at the failure. Without this, instances that had
 *       received less than their share of the key's traffic would grant the difference on top of
 *       a full window.</li>
 *   <li><b>The first window after recovery.</b> Redis never saw what memory granted during the
 *       outage: in the first window after it takes over again, a call must fit in memory too
 *       ({@link #admitAfterRecovery}).</li>
 *   <li><b>A late reply is not a rejection.</b> A call that timed out while Redis is still deemed
 *       healthy is decided by the warm window ({@link #decideLateReply}): granted when this
 *       instance's own grants leave room in its share of the limit. Redis may grant it too, or
 *       may have had no room: the cost, bounded per window by one share per instance, is stated
 *       in docs/failure-and-recovery.md.</li>
 * </ul>
 * The same notes of Redis's rejections answer the over-limit cache while Redis is healthy
 * ({@link #rejectedByRedisFor}). This class is thread-safe; calls on different keys share no lock.
 */
final class OutageAdmission {

    private static final Function<LimitKey, RejectedKey> NEW_REJECTED_KEY = key -> new RejectedKey();

    private final InMemoryRateLimitStore local;
    private final FallbackShare share;
    private final boolean shareDivides;
    private final Cache<LimitKey, RejectedKey> rejections; // only keys Redis rejected
    private volatile int liveInstances;

    /**
     * @param local the in-memory store that decides during an outage
     * @param share how much of each limit this instance admits on its own
     * @param maxKeys the most rejected keys remembered
     */
    OutageAdmission(InMemoryRateLimitStore local, FallbackShare share, long maxKeys) {
        this.local = local;
        this.share = share;
        this.shareDivides = !share.equals(FallbackShare.full());
        this.rejections = Caffeine.newBuilder().maximumSize(maxKeys).build();
    }

    /** The instances alive on Redis at the last heartbeat, this one included (0 before the first). */
    void liveInstances(int count) {
        liveInstances = count;
    }

    int liveInstances() {
        return liveInstances;
    }

    /** Redis granted {@code permits} on {@code key}: memory counts them too. */
    void grantedByRedis(LimitKey key, long permits) {
        local.record(key, permits);
    }

    /** Redis rejected {@code permits} on {@code key} and has no room for them for {@code waitNanos}. */
    void rejectedByRedis(LimitKey key, long permits, long waitNanos) {
        rejections.get(key, NEW_REJECTED_KEY).rejectedAt(local.now(), permits, waitNanos, key.limit());
    }

    /**
     * Redis rejected {@code permits} on {@code key} in a call sent at {@code sentNanos} (a
     * {@link System#nanoTime()} reading). Redis timed the wait when it ran the script, some time
     * after the sending: counted from the sending, the cached rejection never outlasts Redis's own.
     */
    void rejectedByRedis(LimitKey key, long permits, Decision rejection, long sentNanos) {
        rejectedByRedis(key, permits, rejection.retryAfter().toNanos() - (System.nanoTime() - sentNanos));
    }

    /**
     * Returns how long from now Redis has no room for {@code permits} on {@code key} by its last
     * rejection, or 0 when no rejection answers that (none noted, expired, for fewer permits, or under
     * another limit).
     * Never creates an entry.
     */
    long rejectedByRedisFor(LimitKey key, long permits) {
        RejectedKey rejection = rejections.getIfPresent(key);
        return rejection == null ? 0 : rejection.rejectedFor(local.now(), permits, key.limit());
    }

    /** Whether a call on {@code key} falls in the first window after the recovery at {@code recoveredAt}. */
    boolean inFirstWindowAfterRecovery(LimitKey key, long recoveredAt) {
        return recoveredAt != RedisHealth.NEVER_FAILED && local.now() - recoveredAt < key.limit().window().toNanos();
    }

    /**
     * Decides in memory a call in the first window after a recovery, before Redis is asked: a
     * grant is counted here, so it must not be {@linkplain #grantedByRedis recorded} again.
     */
    Decision admitAfterRecovery(LimitKey key, long permits) {
        return local.tryAcquire(key, permits);
    }

    /**
     * Decides in memory a call that Redis did not answer in time while it is still deemed healthy:
     * the warm window, which holds this instance's grants by Redis, grants it when it has room
     * within this instance's share of the limit (the whole limit with {@code full()}, or for an
     * instance alone on Redis); a grant is counted there.
     */
    Decision decideLateReply(LimitKey key, long permits) {
        long instanceShare = Math.max(permits, share.permitsPerInstance(key.limit().permits(), liveInstances));
        return local.tryAcquire(key, permits, instanceShare);
    }

    /** The permits a call on {@code key} could take in memory now, within this instance's share. */
    long remainingDuringOutage(LimitKey key) {
        long limit = key.limit().permits();
        long instanceShare = Math.min(limit, share.permitsPerInstance(limit, liveInstances));
        return Math.max(0, local.remaining(key) - (limit - instanceShare));
    }

    /** Forgets Redis's rejection of {@code key}, after the key was reset. */
    void forget(LimitKey key) {
        rejections.invalidate(key);
    }

    /**
     * Decides a call during an outage that began at {@code failedAt} (a reading of the in-memory
     * store's ticker, or {@link RedisHealth#NEVER_FAILED} when Redis never decided): at most this
     * instance's share per window, and on a key Redis was rejecting, until one window after the
     * failure, at most what memory held at the failure.
     */
    Decision admitDuringOutage(LimitKey key, long permits, long failedAt) {
        long instanceShare = Math.max(permits, share.permitsPerInstance(key.limit().permits(), liveInstances));
        if (failedAt == RedisHealth.NEVER_FAILED || !shareDivides) {
            return local.tryAcquire(key, permits, instanceShare);
        }
        long read = local.now();
        long windowNanos = key.limit().window().toNanos();
        long firstWindowEnds = failedAt + windowNanos;
        RejectedKey rejection;
        if (read >= firstWindowEnds || (rejection = rejections.getIfPresent(key)) == null
                || !rejection.rejectedAfter(failedAt - windowNanos)) {
            return local.tryAcquire(key, permits, instanceShare);
        }
        long held = rejection.heldAt(failedAt, local, key);
        long untilFirstWindowEnds = Math.max(1, firstWindowEnds - read);
        if (held < permits) { // room for this cost only once the first window is over
            key.requirePermits(permits);
            return Decision.rejected(Backend.IN_MEMORY, Duration.ofNanos(untilFirstWindowEnds));
        }
        Decision decision = local.tryAcquire(key, permits, Math.min(instanceShare, held));
        if (decision.allowed() || decision.retryAfter().toNanos() <= untilFirstWindowEnds) {
            return decision;
        }
        return Decision.rejected(Backend.IN_MEMORY, Duration.ofNanos(untilFirstWindowEnds));
    }
}
