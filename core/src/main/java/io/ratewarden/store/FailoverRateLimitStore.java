package io.ratewarden.store;

import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.FallbackShare;
import io.ratewarden.StoreInfo;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Redis while it is healthy, memory when it is not: what a {@code Ratewarden} with Redis uses.
 *
 * <h2>Design</h2>
 * <ul>
 *   <li>While healthy, Redis decides each call, and each grant is also counted by the in-memory
 *       store, so that it is warm when it takes over: an instance does not hand out a fresh full
 *       burst the moment Redis fails.</li>
 *   <li>A failed call (unreachable, timed out, out of memory, read-only, wrong password) is
 *       decided at once by the failure policy, and the store turns unhealthy: from then on no call
 *       touches Redis, so only calls already in flight ever wait on a dead or hung Redis.</li>
 *   <li>A background probe writes this instance's heartbeat every {@code probeInterval} (with
 *       the Redis timeout) and counts the instances alive: its failure also turns the store
 *       unhealthy, and two consecutive successes bring it back to Redis. The first success after
 *       start-up moves a store that started without Redis onto it.</li>
 *   <li>During an outage the in-memory store admits this instance's {@link FallbackShare} of each
 *       limit, so that N instances together stay near the limit rather than N times it. Each
 *       refusal by Redis is noted too: a key Redis refused within the window before the failure
 *       was full across all instances, so (with a share that divides the limit) this instance
 *       admits on it, until one window after the failure, no more than it held at the failure.
 *       Without this, instances that had received less than their share of the key's traffic
 *       would grant the difference on top of a full window.</li>
 * </ul>
 * This class is thread-safe.
 */
public final class FailoverRateLimitStore implements RateLimitStore {

    private static final int SUCCESSES_TO_RECOVER = 2;

    private final RedisRateLimitStore redis;
    private final InMemoryRateLimitStore local;
    private final FailurePolicy defaultPolicy;
    private final Duration probeInterval;
    private final Duration redisTimeout;
    private final RedisHealth health;
    private final String instanceId;
    private final ScheduledExecutorService prober;
    private final ExecutorService connector;
    private Future<RedisRateLimitStore.Heartbeat> pendingHeartbeat;
    private final LongAdder fallbackDecisions = new LongAdder();
    private final FallbackShare share;
    private final boolean shareDivides;
    private volatile int liveInstances;

    /**
     * Creates the store and starts its probe, which first runs at once. Does not block.
     *
     * @param redis the Redis store
     * @param local the in-memory store
     * @param instanceName the owning instance's name, for logs and the heartbeat
     * @param defaultPolicy what calls get while Redis cannot decide, unless they say otherwise
     * @param probeInterval the time between probes
     * @param redisTimeout the longest a probe waits for Redis
     * @param share how much of each limit this instance admits on its own during an outage
     */
    public FailoverRateLimitStore(RedisRateLimitStore redis, InMemoryRateLimitStore local, String instanceName,
                                  FailurePolicy defaultPolicy, Duration probeInterval, Duration redisTimeout,
                                  FallbackShare share) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.local = Objects.requireNonNull(local, "local");
        Objects.requireNonNull(instanceName, "instanceName");
        this.defaultPolicy = defaultPolicy;
        this.probeInterval = probeInterval;
        this.redisTimeout = redisTimeout;
        this.share = Objects.requireNonNull(share, "fallbackShare");
        this.shareDivides = !share.equals(FallbackShare.full());
        this.health = new RedisHealth(instanceName, redis.maskedUrl(), SUCCESSES_TO_RECOVER, Clock.systemUTC(),
                local::now);
        this.instanceId = instanceName + "/" + UUID.randomUUID();
        this.prober = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ratewarden-probe-" + instanceName);
            thread.setDaemon(true);
            return thread;
        });
        this.connector = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ratewarden-connect-" + instanceName);
            thread.setDaemon(true);
            return thread;
        });
        prober.scheduleWithFixedDelay(this::probeQuietly, 0, probeInterval.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public Decision tryAcquire(LimitKey key, long permits) {
        return tryAcquire(key, permits, defaultPolicy);
    }

    @Override
    public Decision tryAcquire(LimitKey key, long permits, FailurePolicy onFailure) {
        if (health.isHealthy()) {
            try {
                Decision decision = redis.tryAcquire(key, permits);
                if (decision.allowed()) {
                    local.record(key, permits);
                } else {
                    local.refusedElsewhere(key);
                }
                return decision;
            } catch (StoreUnavailableException e) {
                health.failed(e.getMessage());
            }
        }
        fallbackDecisions.increment();
        FailurePolicy policy = onFailure == null || onFailure == FailurePolicy.DEFAULT ? defaultPolicy : onFailure;
        return switch (policy) {
            case ALLOW -> {
                InMemoryRateLimitStore.checkPermits(key, permits);
                yield Decision.allowed(Backend.IN_MEMORY);
            }
            case REJECT -> {
                InMemoryRateLimitStore.checkPermits(key, permits);
                yield Decision.rejected(Backend.IN_MEMORY, probeInterval);
            }
            default -> decideInMemory(key, permits);
        };
    }

    private Decision decideInMemory(LimitKey key, long permits) {
        long instanceShare = share.permitsPerInstance(key.limit().permits(), liveInstances);
        long failedAt = health.failedAt();
        if (failedAt == RedisHealth.NEVER_FAILED || !shareDivides) {
            return local.tryAcquire(key, permits, instanceShare);
        }
        return local.tryAcquireAfterFailure(key, permits, instanceShare, failedAt);
    }

    /**
     * Probes Redis now, on the calling thread, and returns whether the store is healthy after it.
     * Blocks at most for the Redis timeout.
     *
     * @return whether Redis decides after the probe
     */
    public synchronized boolean probe() {
        // Redisson opens its first connection (and re-creates a broken TLS session) on the thread
        // that issues a command, for as long as its connect timeouts allow: run the heartbeat on a
        // thread of its own and wait for it no longer than the Redis timeout.
        Future<RedisRateLimitStore.Heartbeat> previous = pendingHeartbeat;
        if (previous != null) {
            if (!previous.isDone()) {
                health.failed("still connecting to Redis " + redis.maskedUrl());
                return health.isHealthy();
            }
            pendingHeartbeat = null;
            Throwable lateFailure = failureOf(previous);
            if (lateFailure != null) {
                health.failed(describe(lateFailure)); // what the slow attempt finally ran into
            }
        }
        Future<RedisRateLimitStore.Heartbeat> heartbeat = connector.submit(() -> redis.heartbeat(instanceId, probeInterval.multipliedBy(3)));
        try {
            RedisRateLimitStore.Heartbeat beat = heartbeat.get(redisTimeout.toNanos(), TimeUnit.NANOSECONDS);
            liveInstances = beat.liveInstances();
            health.probeSucceeded(beat.roundTrip());
        } catch (TimeoutException e) {
            pendingHeartbeat = heartbeat;
            health.failed("Redis " + redis.maskedUrl() + " did not answer within " + redisTimeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            health.failed(describe(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return health.isHealthy();
    }

    /**
     * Returns how many calls were decided without Redis (by the policy) since the store was built.
     *
     * @return the fallback decisions
     */
    public long fallbackDecisions() {
        return fallbackDecisions.sum();
    }

    /**
     * Returns the instances whose heartbeat was on Redis at the last successful probe (0 before
     * the first).
     *
     * @return the live instances
     */
    public int liveInstances() {
        return liveInstances;
    }

    /** {@inheritDoc} Answers from the last observed state, without I/O. */
    @Override
    public boolean isHealthy() {
        return health.isHealthy();
    }

    @Override
    public StoreInfo info() {
        return health.info(local.localKeys());
    }

    /** Stops the probe and closes both stores. */
    @Override
    public void close() {
        prober.shutdownNow();
        connector.shutdownNow();
        redis.close();
        local.close();
    }

    private String describe(Throwable failure) {
        return failure instanceof StoreUnavailableException ? failure.getMessage() : redis.describe(failure);
    }

    private static Throwable failureOf(Future<?> done) {
        try {
            done.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | CancellationException e) {
            return null;
        }
    }

    private void probeQuietly() {
        try {
            probe();
        } catch (Throwable e) { // a scheduled task that throws is never run again
            health.failed(redis.describe(e));
        }
    }
}
