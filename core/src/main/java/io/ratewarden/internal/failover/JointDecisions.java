package io.ratewarden.internal.failover;

import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.internal.window.InMemoryRateLimitStore;
import io.ratewarden.internal.window.SlidingWindow;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The limits of one call decided in one round trip to Redis, all or nothing, where the store can
 * ({@link ReseedableStore#decidesTogether()}) and Redis decides. What surrounds a single decision
 * holds for each limit: the over-limit cache answers a limit it knows is spent without a round
 * trip, warm memory sends what it holds of each bucket and records each grant, and a failure is
 * recorded as one of a single call. In the first window after a recovery, and after a failure,
 * the caller asks each limit in turn ({@code null}): one more timeout at most. A call that timed
 * out may still be applied by Redis later, and then holds permits that its limits asked in turn
 * also took: fewer grants for others, never more. This class is thread-safe.
 */
final class JointDecisions {

    private final InMemoryRateLimitStore local;
    private final OutageAdmission outage;
    private final RedisHealth health;
    private final ReseedableStore redis;
    private final boolean overLimitCache;
    private final Runnable cachedRejection;
    private final LongConsumer answered;
    private final Consumer<Throwable> failed;

    /**
     * @param overLimitCache whether the over-limit cache answers spent buckets
     * @param cachedRejection what hears of a rejection the cache answered
     * @param answered what hears of a round trip Redis answered, with its {@link System#nanoTime()}
     *     when sent
     * @param failed what hears of a failed call to Redis, for the health state
     */
    JointDecisions(InMemoryRateLimitStore local, OutageAdmission outage, RedisHealth health, ReseedableStore redis,
                   boolean overLimitCache, Runnable cachedRejection, LongConsumer answered,
                   Consumer<Throwable> failed) {
        this.local = local;
        this.outage = outage;
        this.health = health;
        this.redis = redis;
        this.overLimitCache = overLimitCache;
        this.cachedRejection = cachedRejection;
        this.answered = answered;
        this.failed = failed;
    }

    /** Whether a call's limits may be decided together now: Redis decides, on a store that can. */
    boolean possible() {
        return health.isHealthy() && redis.decidesTogether();
    }

    /**
     * Decides a call's limits together: {@code null} when they are to be asked in turn, else as
     * {@link InstanceStore#tryAcquireTogether} answers.
     */
    Decision[] tryAcquire(LimitKey[] keys, long[] permits) {
        if (!possible()) {
            return null;
        }
        int count = keys.length;
        for (int i = 0; i < count; i++) {
            long rejectedFor = overLimitCache ? outage.rejectedByRedisFor(keys[i], permits[i]) : 0;
            if (rejectedFor > 0) {
                cachedRejection.run();
                Decision[] decisions = new Decision[count];
                decisions[i] = Decision.rejected(Backend.REDIS, Duration.ofNanos(rejectedFor));
                return decisions;
            }
            if (outage.inFirstWindowAfterRecovery(keys[i], health.recoveredAt())) {
                return null;
            }
        }
        SlidingWindow[] windows = new SlidingWindow[count];
        long[] heldHere = new long[count];
        for (int i = 0; i < count; i++) {
            SlidingWindow window = local.existing(keys[i]);
            if (window != null) {
                heldHere[i] = window.heldInWindow(local.now()) + window.sharedInFlight();
                window.sharedInFlight(permits[i]);
                windows[i] = window;
            }
        }
        long sent = System.nanoTime();
        try {
            Decision[] decisions = redis.tryAcquireTogether(keys, permits, heldHere);
            answered.accept(sent);
            health.callSucceeded();
            for (int i = 0; i < count; i++) {
                Decision decision = decisions[i];
                if (decision != null && !decision.allowed()) {
                    outage.rejectedByRedis(keys[i], permits[i], decision, sent);
                    return decisions;
                }
            }
            for (int i = 0; i < count; i++) {
                outage.grantedByRedis(keys[i], permits[i]);
            }
            return decisions;
        } catch (KeyDataException e) {
            answered.accept(sent);
            health.callSucceeded(); // one key's data: each limit asked in turn finds which
            return null;
        } catch (StoreUnavailableException e) {
            failed.accept(e);
            return null;
        } finally {
            for (int i = 0; i < count; i++) {
                if (windows[i] != null) {
                    windows[i].sharedInFlight(-permits[i]);
                }
            }
        }
    }
}
