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
import java.util.concurrent.RejectedExecutionException;
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
    /** How long a first connection may take before its slowness counts as a failure. */
    private static final Duration CONNECT_GRACE = Duration.ofSeconds(3);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

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
    private final boolean overLimitCache;
    private final LongAdder cachedRefusals = new LongAdder();
    private final LongAdder redisCalls = new LongAdder();
    private final LongAdder redisCallNanos = new LongAdder();
    private volatile int liveInstances;
    private volatile boolean closed;
    private long pendingSince; // under this object's lock: when the pending heartbeat was sent
    private final long createdAt = System.nanoTime();

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
     * @param overLimitCache whether a key Redis refused is refused here, without a round trip,
     *     until Redis said it would have room again
     */
    public FailoverRateLimitStore(RedisRateLimitStore redis, InMemoryRateLimitStore local, String instanceName,
                                  FailurePolicy defaultPolicy, Duration probeInterval, Duration redisTimeout,
                                  FallbackShare share, boolean overLimitCache) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.local = Objects.requireNonNull(local, "local");
        Objects.requireNonNull(instanceName, "instanceName");
        this.defaultPolicy = defaultPolicy;
        this.probeInterval = probeInterval;
        this.redisTimeout = redisTimeout;
        this.share = Objects.requireNonNull(share, "fallbackShare");
        this.shareDivides = !share.equals(FallbackShare.full());
        this.overLimitCache = overLimitCache;
        this.health = new RedisHealth(instanceName, redis.maskedUrl(), SUCCESSES_TO_RECOVER,
                redisTimeout.multipliedBy(3), Clock.systemUTC(), local::now);
        this.instanceId = instanceName + "/" + UUID.randomUUID();
        redis.onLateAnswer(health::callSucceeded);
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
        if (!health.isHealthy()) {
            return decideByPolicy(key, permits, onFailure);
        }
        if (overLimitCache) {
            long refusedFor = local.refusedElsewhereFor(key, permits);
            if (refusedFor > 0) {
                cachedRefusals.increment();
                return Decision.rejected(Backend.REDIS, Duration.ofNanos(refusedFor));
            }
        }
        // In the first window after an outage, a call must also fit what this instance granted in
        // memory during it: Redis never saw those grants.
        long recoveredAt = health.recoveredAt();
        boolean afterOutage = recoveredAt != RedisHealth.NEVER_FAILED
                && local.now() - recoveredAt < key.limit().window().toNanos();
        if (afterOutage) {
            Decision inMemory = local.tryAcquire(key, permits); // counts the grant if it fits
            if (!inMemory.allowed()) {
                return inMemory;
            }
        }
        long sent = System.nanoTime();
        try {
            Decision decision = redis.tryAcquire(key, permits);
            answered(sent);
            health.callSucceeded();
            if (decision.allowed()) {
                if (!afterOutage) {
                    local.record(key, permits);
                }
            } else {
                local.refusedElsewhere(key, permits, decision.retryAfter().toNanos());
            }
            return decision;
        } catch (KeyDataException e) {
            answered(sent);
            health.callSucceeded(); // Redis answered: that key's data, not the instance
        } catch (StoreUnavailableException e) {
            failed(e);
        }
        if (resolve(onFailure) == FailurePolicy.FALLBACK_LOCAL) {
            if (afterOutage) {
                fallbackDecisions.increment();
                return Decision.allowed(Backend.IN_MEMORY); // memory granted it above already
            }
            if (health.isHealthy()) {
                // A slow reply, not an outage: Redis may yet grant or refuse this call, and the
                // other instances still decide on Redis. Memory knows every grant only when this
                // instance is the only one alive; with others it cannot tell whether the limit is
                // full, so the call is refused rather than risk admitting past the limit.
                fallbackDecisions.increment();
                if (liveInstances > 1 || local.refusedElsewhereWithin(key, key.limit().window().toNanos())) {
                    return Decision.rejected(Backend.IN_MEMORY, redisTimeout);
                }
                return local.tryAcquire(key, permits);
            }
        }
        return decideByPolicy(key, permits, onFailure);
    }

    private void answered(long sent) {
        redisCalls.increment();
        redisCallNanos.add(System.nanoTime() - sent);
    }

    private FailurePolicy resolve(FailurePolicy onFailure) {
        return onFailure == null || onFailure == FailurePolicy.DEFAULT ? defaultPolicy : onFailure;
    }

    private Decision decideByPolicy(LimitKey key, long permits, FailurePolicy onFailure) {
        fallbackDecisions.increment();
        return switch (resolve(onFailure)) {
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
        if (closed) {
            return false;
        }
        // Redisson opens its first connection (and re-creates a broken TLS session) on the thread
        // that issues a command, for as long as its connect timeouts allow: run the heartbeat on a
        // thread of its own and wait for it no longer than the Redis timeout.
        // A cold client's first connection may take longer than one timeout: a missing answer is
        // no error until the grace has passed, while Redis never decided yet. An error reply is.
        boolean coldStart = !health.connectedOnce() && System.nanoTime() - createdAt < CONNECT_GRACE.toNanos();
        Future<RedisRateLimitStore.Heartbeat> previous = pendingHeartbeat;
        if (previous != null) {
            if (!previous.isDone()) {
                // The heartbeat bounds its own wait by the timeout: still running a probe interval
                // later, it is opening a connection (Redisson does that on the calling thread) or
                // its thread is kept from the CPU. Its outcome, when it comes, is what counts.
                if (!coldStart && !health.connectedOnce()) {
                    long waited = System.nanoTime() - pendingSince;
                    health.timedOut(noAnswer(waited), waited);
                }
                return health.isHealthy();
            }
            pendingHeartbeat = null;
            Throwable lateFailure = failureOf(previous);
            if (lateFailure != null && !(coldStart && lateFailure instanceof StoreTimeoutException)) {
                failed(lateFailure); // what the slow attempt finally ran into
            }
        }
        long sentAt = System.nanoTime();
        Future<RedisRateLimitStore.Heartbeat> heartbeat;
        try {
            heartbeat = connector.submit(() -> redis.heartbeat(instanceId, probeInterval.multipliedBy(3)));
        } catch (RejectedExecutionException e) {
            return false; // closed meanwhile
        }
        try {
            RedisRateLimitStore.Heartbeat beat = heartbeat.get(redisTimeout.toNanos(), TimeUnit.NANOSECONDS);
            liveInstances = beat.liveInstances();
            health.probeSucceeded(beat.roundTrip());
        } catch (TimeoutException e) {
            pendingHeartbeat = heartbeat;
            pendingSince = sentAt;
            if (!coldStart) {
                long waited = System.nanoTime() - sentAt;
                failed(StoreTimeoutException.after(noAnswer(waited), waited, redisTimeout.toNanos()));
            }
        } catch (ExecutionException e) {
            if (!(coldStart && e.getCause() instanceof StoreTimeoutException)) {
                failed(e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return health.isHealthy();
    }

    /**
     * Reports a failure of a call or a probe to the health state machine: a timeout as one that
     * must persist (none at all when its thread was starved), anything else as evidence. Nothing
     * once closing: a call cut short by close() says nothing of Redis.
     */
    private void failed(Throwable failure) {
        if (closed) {
            return;
        }
        if (failure instanceof StoreTimeoutException timeout) {
            if (!timeout.starved()) {
                health.timedOut(timeout.getMessage(), timeout.waitedNanos());
            }
        } else {
            health.failed(describe(failure));
        }
    }

    private String noAnswer(long waitedNanos) {
        return "Redis " + redis.maskedUrl() + " did not answer within " + Duration.ofNanos(waitedNanos).toMillis()
                + " ms";
    }

    /**
     * Returns how many calls were refused by the over-limit cache (Redis's earlier refusal of the
     * key, still in force) without a round trip, since the store was built.
     *
     * @return the cached refusals
     */
    public long cachedRefusals() {
        return cachedRefusals.sum();
    }

    /**
     * Returns how many calls for permits Redis answered, whatever the answer.
     *
     * @return the answers
     */
    public long redisCalls() {
        return redisCalls.sum();
    }

    /**
     * Returns the nanoseconds the answers {@link #redisCalls()} counts took in total.
     *
     * @return the total round-trip time in nanoseconds
     */
    public long redisCallNanos() {
        return redisCallNanos.sum();
    }

    /**
     * Returns the consecutive successful probes the next recovery from an outage takes: it grows
     * while failovers follow recoveries closely (see the failure and recovery documentation).
     *
     * @return the probes to recover
     */
    public int probesToRecover() {
        return health.probesToRecover();
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

    /**
     * Stops the probe, waits for it and for a connection attempt in progress (at most a few
     * seconds, the connect timeout), then closes both stores: no Redis client exists or is created
     * afterwards. Calls in flight are decided by the policy, without a failover.
     */
    @Override
    public void close() {
        closed = true;
        prober.shutdownNow();
        // Not interrupted: Redisson opens a connection on the thread of the command that needs
        // it, and a client shut down while that connection is still being opened logs an error
        // for it. The heartbeat in progress ends within the connect and answer timeouts.
        connector.shutdown();
        try {
            prober.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            connector.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            redis.close();
            local.close();
        }
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
            failed(e);
        }
    }
}
