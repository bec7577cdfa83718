package io.ratewarden;

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
    private final AtomicLong shadowLoggedAt = new AtomicLong(System.nanoTime() - SHADOW_LOG_INTERVAL_NANOS);

    LimitCounters(String limitName, String instanceName, boolean shadow) {
        this.limitName = limitName;
        this.instanceName = instanceName;
        this.shadow = shadow;
    }

    boolean shadow() {
        return shadow;
    }

    /** Counts a grant the store decided, by its backend. */
    void permitted(Decision decision) {
        (decision.decidedBy() == Backend.REDIS ? permittedByRedis : permittedInMemory).increment();
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
            return shadow ? Decision.allowed(Backend.IN_MEMORY) : decision;
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
        return Decision.allowed(decision.decidedBy());
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
        return permittedInMemory.sum() + keylessGranted - keylessExtraPermits.sum();
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
