package io.ratewarden;

import io.ratewarden.internal.failover.NearLimit;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One limit's counts of calls, by outcome and by the backend that decided, shared by its tiers;
 * and shadow mode, which turns a rejection into a counted grant. Calls granted on the keyless
 * bucket in memory are counted by that bucket's window (no cost per call), apart from the extra
 * permits of a call that took more than one. This class is thread-safe.
 */
final class LimitCounters {

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.limits");
    private static final long SHADOW_LOG_INTERVAL_NANOS = 60_000_000_000L;

    private final String limitName;
    private final String instanceName;
    private final boolean shadow;
    private final LongAdder permittedByRedis = new LongAdder();
    private final LongAdder permittedInMemory = new LongAdder();
    private final LongAdder keylessExtraPermits = new LongAdder();
    private final LongAdder rejectedByRedis = new LongAdder();
    private final LongAdder rejectedInMemory = new LongAdder();
    private final LongAdder shadowRejectedByRedis = new LongAdder();
    private final LongAdder shadowRejectedInMemory = new LongAdder();
    private final LongAdder storeFailureRejected = new LongAdder();
    // An atomic long, not striped: near-limit grants are a fraction of all, and its increment stays
    // small code in the keyless bucket's hot path, which the JIT must keep inlinable.
    private final AtomicLong nearLimit = new AtomicLong();
    private final LongAdder keylessGivenBack = new LongAdder();
    private final AtomicLong permittedInMemoryRead = new AtomicLong();
    /** Shadow mode's grants of rejected calls: told apart from real grants by identity. */
    private final Decision shadowGrantInMemory = new Decision(true, Backend.IN_MEMORY, Duration.ZERO, Decision.NOT_REPORTED);
    private final Decision shadowGrantByRedis = new Decision(true, Backend.REDIS, Duration.ZERO, Decision.NOT_REPORTED);
    private final AtomicLong shadowLoggedAt = new AtomicLong(System.nanoTime() - SHADOW_LOG_INTERVAL_NANOS);

    LimitCounters(String limitName, String instanceName, boolean shadow) {
        this.limitName = limitName;
        this.instanceName = instanceName;
        this.shadow = shadow;
    }

    boolean shadow() {
        return shadow;
    }

    /**
     * Counts a grant the store decided, by its backend, and as near the limit when it reports
     * that it left at most a fifth of the limit's {@code permits}.
     */
    void permitted(Decision decision, long permits) {
        (decision.decidedBy() == Backend.REDIS ? permittedByRedis : permittedInMemory).increment();
        nearLimit(decision, permits);
    }

    /** Counts a grant that left at most a fifth of {@code permits} as near the limit. */
    void nearLimit(Decision decision, long permits) {
        if (NearLimit.is(decision, permits) && !isShadowGrant(decision)) {
            nearLimit.incrementAndGet();
        }
    }

    /** Counts a grant in memory near the limit, allocating nothing. */
    void nearLimit() {
        nearLimit.incrementAndGet();
    }

    /** The permitted calls that left at most a fifth of the limit. */
    long nearLimitCount() {
        return nearLimit.get();
    }

    /**
     * Uncounts a call the keyless bucket's window counted as it granted, which a later limit of the
     * same call refused.
     */
    void keylessGivenBack() {
        keylessGivenBack.increment();
    }

    /** Whether {@code decision} is shadow mode's grant of a rejected call, which took no permit. */
    boolean isShadowGrant(Decision decision) {
        return decision == shadowGrantInMemory || decision == shadowGrantByRedis;
    }

    private Decision shadowGrant(Backend backend) {
        return backend == Backend.REDIS ? shadowGrantByRedis : shadowGrantInMemory;
    }

    /** Counts the permits past the first of a keyless grant in memory, which its window counts once. */
    void keylessExtra(long permits) {
        keylessExtraPermits.add(permits);
    }

    /**
     * Counts a rejection; in shadow mode counts it as such and grants the call instead. A rejection
     * because the store could not decide is counted apart: the limit did not reject it.
     */
    Decision rejected(Decision decision) {
        if (decision.storeFailure()) {
            storeFailureRejected.increment();
            return shadow ? shadowGrantInMemory : decision;
        }
        boolean byRedis = decision.decidedBy() == Backend.REDIS;
        if (!shadow) {
            (byRedis ? rejectedByRedis : rejectedInMemory).increment();
            return decision;
        }
        (byRedis ? shadowRejectedByRedis : shadowRejectedInMemory).increment();
        long now = System.nanoTime();
        long logged = shadowLoggedAt.get();
        if (now - logged >= SHADOW_LOG_INTERVAL_NANOS && shadowLoggedAt.compareAndSet(logged, now)) {
            LOG.info("Limit '{}' of Ratewarden '{}' is in shadow mode and would have rejected calls: {} so far",
                    limitName, instanceName, shadowRejected(Backend.REDIS) + shadowRejected(Backend.IN_MEMORY));
        }
        return shadowGrant(decision.decidedBy());
    }

    /**
     * Counts a rejection in memory of a call that waits {@code waitNanos}, as {@link #rejected}
     * does, allocating nothing.
     *
     * @return {@code waitNanos}, or 0 in shadow mode, which grants the call
     */
    long rejectedInMemory(long waitNanos) {
        if (!shadow) {
            rejectedInMemory.increment();
            return waitNanos;
        }
        rejected(Decision.rejected(Backend.IN_MEMORY, Duration.ofNanos(waitNanos)));
        return 0;
    }

    /**
     * Calls granted by {@code backend}; in memory, {@code keylessGranted} (the permits the keyless
     * bucket's window granted) is added, less the extra permits counted there.
     */
    long permitted(Backend backend, long keylessGranted) {
        if (backend == Backend.REDIS) {
            return permittedByRedis.sum();
        }
        // A call the window counted as it granted and a later limit refused is uncounted a moment
        // later: the reading never goes back, so that a meter over it stays a counter.
        long counted = permittedInMemory.sum() + keylessGranted - keylessExtraPermits.sum() - keylessGivenBack.sum();
        return permittedInMemoryRead.accumulateAndGet(counted, Math::max);
    }

    long rejected(Backend backend) {
        return (backend == Backend.REDIS ? rejectedByRedis : rejectedInMemory).sum();
    }

    long shadowRejected(Backend backend) {
        return (backend == Backend.REDIS ? shadowRejectedByRedis : shadowRejectedInMemory).sum();
    }

    long storeFailureRejected() {
        return storeFailureRejected.sum();
    }
}
