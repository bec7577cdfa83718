package io.ratewarden.internal.store;

import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.FallbackShare;
import io.ratewarden.StoreInfo;
import io.ratewarden.internal.RedisConnection;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.StoreUnavailableException;
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
import java.util.function.Function;

/**
 * Redis while it is healthy, memory when it is not: what a {@code Ratewarden} with Redis uses.
 *
 * <h2>Design</h2>
 * Two classes hold the rules, and this one wires them to the stores and to time:
 * <ul>
 *   <li>{@link RedisHealth}, the state machine, says whether Redis decides: a failed call
 *       (unreachable, out of memory, read-only, wrong password) turns it unhealthy at once, and
 *       timeouts do when they persist; from then on no call touches Redis, so only calls already
 *       in flight ever wait on a dead or hung Redis.</li>
 *   <li>{@link OutageAdmission} says what memory admits when Redis does not decide a call: the
 *       failure policy's in-memory decision, this instance's share, the refusal cap, the first
 *       window after recovery, a slow reply; and it keeps what it needs of Redis's answers (each
 *       grant counted in memory, each refusal noted).</li>
 *   <li>A background probe (started by {@link #start()}) writes this instance's heartbeat every
 *       {@code probeInterval}, bounded by the Redis timeout, and counts the instances alive: its
 *       failure turns the store unhealthy too, and its successes bring it back. The first success
 *       after start-up moves a store that started without Redis onto it.</li>
 * </ul>
 * Neither wrapped store knows of the other or of outages: the Redis store decides or throws
 * {@link StoreUnavailableException}, the in-memory store decides. This class is thread-safe.
 */
final class FailoverRateLimitStore implements RateLimitStore, InstanceStore {

    private static final int SUCCESSES_TO_RECOVER = 2;
    /** How long a first connection may take before its slowness counts as a failure. */
    private static final Duration CONNECT_GRACE = Duration.ofSeconds(3);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    /**
     * The settings of a failover store.
     *
     * @param instanceName the owning instance's name, for logs and the heartbeat
     * @param maskedUrl the Redis address, masked, for logs and the report
     * @param defaultPolicy what calls get while Redis cannot decide, unless they say otherwise
     * @param probeInterval the time between probes
     * @param redisTimeout the longest a call or a probe waits for Redis
     * @param share how much of each limit this instance admits on its own during an outage
     * @param overLimitCache whether a key Redis refused is refused here, without a round trip,
     *     until Redis said it would have room again
     * @param maxKeys the most keys whose refusal by Redis is remembered
     *     (none {@code null}, and the policy a concrete one: the builder checks them)
     */
    record Settings(String instanceName, String maskedUrl, FailurePolicy defaultPolicy,
                    Duration probeInterval, Duration redisTimeout, FallbackShare share,
                    boolean overLimitCache, long maxKeys) {
    }

    private final RateLimitStore redis;
    private final Heartbeats heartbeats;
    private final InMemoryRateLimitStore local;
    private final Function<Throwable, String> describe;
    private final Settings settings;
    private final RedisHealth health;
    private final OutageAdmission outage;
    private final String instanceId;
    private final ScheduledExecutorService prober;
    private final ExecutorService connector;
    private Future<Heartbeats.Heartbeat> pendingHeartbeat;
    private final LongAdder fallbackDecisions = new LongAdder();
    private final LongAdder cachedRefusals = new LongAdder();
    private final LongAdder redisCalls = new LongAdder();
    private final LongAdder redisCallNanos = new LongAdder();
    private volatile boolean closed;
    private long pendingSince; // under this object's lock: when the pending heartbeat was sent
    private final long createdAt = System.nanoTime();

    /**
     * Creates the store, unhealthy until its first successful probe; {@link #start()} starts the
     * background probe. Does not block.
     *
     * @param redis the store on Redis, which throws {@link StoreUnavailableException} (a
     *     {@link StoreTimeoutException} for no answer, a {@link KeyDataException} for one key's bad
     *     data) when it cannot decide
     * @param heartbeats where the probe writes this instance's heartbeat
     * @param local the in-memory store, on the ticker that dates outages and recoveries
     * @param describe a masked description of a failure that is not a {@link StoreUnavailableException}
     * @param settings the settings
     */
    FailoverRateLimitStore(RateLimitStore redis, Heartbeats heartbeats, InMemoryRateLimitStore local,
                           Function<Throwable, String> describe, Settings settings) {
        this.redis = Objects.requireNonNull(redis, "redis");
        this.heartbeats = Objects.requireNonNull(heartbeats, "heartbeats");
        this.local = Objects.requireNonNull(local, "local");
        this.describe = Objects.requireNonNull(describe, "describe");
        this.settings = settings;
        this.health = new RedisHealth(settings.instanceName(), settings.maskedUrl(), SUCCESSES_TO_RECOVER,
                settings.redisTimeout().multipliedBy(3), Clock.systemUTC(), local::now);
        this.outage = new OutageAdmission(local, settings.share(), settings.maxKeys(), settings.redisTimeout());
        this.instanceId = settings.instanceName() + "/" + UUID.randomUUID();
        this.prober = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ratewarden-probe-" + settings.instanceName());
            thread.setDaemon(true);
            return thread;
        });
        this.connector = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "ratewarden-connect-" + settings.instanceName());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Builds the store a {@code Ratewarden} uses on Redis, and starts its probe, which first runs
     * at once. Does not block.
     *
     * @param connection the Redis connection, closed with the store
     * @param keyPrefix the prefix of every Redis key, already checked
     * @param local the in-memory store, closed with the store
     * @param settings the settings
     * @return the started store
     */
    static FailoverRateLimitStore start(RedisConnection connection, String keyPrefix,
                                               InMemoryRateLimitStore local, Settings settings) {
        RedisCommands commands = new RedisCommands(connection, settings.redisTimeout());
        FailoverRateLimitStore store = new FailoverRateLimitStore(
                new RedisRateLimitStore(commands, keyPrefix, settings.maxKeys()),
                new RedisInstances(commands, keyPrefix), local, commands::describe, settings);
        commands.onLateAnswer(store::answeredLate);
        store.start();
        return store;
    }

    /** Starts the background probe, which first runs at once. */
    void start() {
        prober.scheduleWithFixedDelay(this::probeQuietly, 0, settings.probeInterval().toNanos(),
                TimeUnit.NANOSECONDS);
    }

    /** Redis answered a call after its caller stopped waiting: a slow reply, not a dead server. */
    void answeredLate() {
        health.callSucceeded();
    }

    /** {@inheritDoc} Applies the default failure policy when Redis cannot decide. */
    @Override
    public Decision tryAcquire(LimitKey key, long permits) {
        return tryAcquire(key, permits, settings.defaultPolicy());
    }

    @Override
    public Decision tryAcquire(LimitKey key, long permits, FailurePolicy onFailure) {
        if (!health.isHealthy()) {
            return decideByPolicy(key, permits, onFailure);
        }
        if (settings.overLimitCache()) {
            long refusedFor = outage.refusedByRedisFor(key, permits);
            if (refusedFor > 0) {
                cachedRefusals.increment();
                return Decision.rejected(Backend.REDIS, Duration.ofNanos(refusedFor));
            }
        }
        boolean afterOutage = outage.inFirstWindowAfterRecovery(key, health.recoveredAt());
        if (afterOutage) {
            Decision inMemory = outage.admitAfterRecovery(key, permits);
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
                    outage.grantedByRedis(key, permits);
                }
            } else {
                outage.refusedByRedis(key, permits, decision.retryAfter().toNanos());
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
                fallbackDecisions.increment();
                return outage.admitSlowReply(key, permits);
            }
        }
        return decideByPolicy(key, permits, onFailure);
    }

    private void answered(long sent) {
        redisCalls.increment();
        redisCallNanos.add(System.nanoTime() - sent);
    }

    private FailurePolicy resolve(FailurePolicy onFailure) {
        return onFailure == null || onFailure == FailurePolicy.DEFAULT ? settings.defaultPolicy() : onFailure;
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
                yield Decision.rejected(Backend.IN_MEMORY, settings.probeInterval());
            }
            default -> outage.admitDuringOutage(key, permits, health.failedAt());
        };
    }

    /**
     * Probes Redis now, on the calling thread, and returns whether the store is healthy after it.
     * Blocks at most for the Redis timeout.
     *
     * @return whether Redis decides after the probe
     */
    @Override
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
        Future<Heartbeats.Heartbeat> previous = pendingHeartbeat;
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
        Future<Heartbeats.Heartbeat> heartbeat;
        try {
            heartbeat = connector.submit(() -> heartbeats.beat(instanceId, settings.probeInterval().multipliedBy(3)));
        } catch (RejectedExecutionException e) {
            return false; // closed meanwhile
        }
        try {
            Heartbeats.Heartbeat beat = heartbeat.get(settings.redisTimeout().toNanos(), TimeUnit.NANOSECONDS);
            outage.liveInstances(beat.liveInstances());
            health.probeSucceeded(beat.roundTrip());
        } catch (TimeoutException e) {
            pendingHeartbeat = heartbeat;
            pendingSince = sentAt;
            if (!coldStart) {
                long waited = System.nanoTime() - sentAt;
                failed(StoreTimeoutException.after(noAnswer(waited), waited, settings.redisTimeout().toNanos()));
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
        return "Redis " + settings.maskedUrl() + " did not answer within " + Duration.ofNanos(waitedNanos).toMillis()
                + " ms";
    }

    /**
     * Returns how many calls were refused by the over-limit cache (Redis's earlier refusal of the
     * key, still in force) without a round trip, since the store was built.
     *
     * @return the cached refusals
     */
    @Override
    public long cachedRefusals() {
        return cachedRefusals.sum();
    }

    /**
     * Returns how many calls for permits Redis answered, whatever the answer.
     *
     * @return the answers
     */
    @Override
    public long redisCalls() {
        return redisCalls.sum();
    }

    /**
     * Returns the nanoseconds the answers {@link #redisCalls()} counts took in total.
     *
     * @return the total round-trip time in nanoseconds
     */
    @Override
    public long redisCallNanos() {
        return redisCallNanos.sum();
    }

    /**
     * Returns the consecutive successful probes the next recovery from an outage takes: it grows
     * while failovers follow recoveries closely (see the failure and recovery documentation).
     *
     * @return the probes to recover
     */
    @Override
    public int probesToRecover() {
        return health.probesToRecover();
    }

    /**
     * Returns how many calls were decided without Redis (by the policy) since the store was built.
     *
     * @return the fallback decisions
     */
    @Override
    public long fallbackDecisions() {
        return fallbackDecisions.sum();
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
        return failure instanceof StoreUnavailableException ? failure.getMessage() : describe.apply(failure);
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
