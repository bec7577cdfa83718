package io.ratewarden.internal.failover;

import io.ratewarden.internal.window.InMemoryRateLimitStore;
import io.ratewarden.internal.window.SlidingWindow;
import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.FailurePolicy;
import io.ratewarden.Limit;
import io.ratewarden.StoreInfo;
import io.ratewarden.internal.settings.RatewardenSettings;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Redis while it is healthy, memory when it is not: what a {@code Ratewarden} with Redis uses.
 * This class routes each call; the rules live beside it:
 * <ul>
 *   <li>{@link RedisHealth}, the state machine, says whether Redis decides: a failed call
 *       (unreachable, out of memory, read-only, wrong password) turns it unhealthy at once, and
 *       timeouts do when they persist; from then on no call touches Redis, so only calls already
 *       in flight ever wait on a dead or hung Redis.</li>
 *   <li>{@link OutageAdmission} says what memory admits when Redis does not decide a call, and
 *       keeps what it needs of Redis's answers (each grant counted in memory, each rejection
 *       noted, which also answers the over-limit cache).</li>
 *   <li>{@link RedisProber} writes this instance's heartbeat every probe interval: its failures
 *       turn the store unhealthy too, and its successes bring it back.</li>
 *   <li>{@link FailurePolicies} decides a call by the {@code ALLOW} and {@code REJECT} policies.</li>
 * </ul>
 * A call that gets no answer in time while Redis is still deemed healthy (a late reply, not an
 * outage) is decided under {@link FailurePolicy#FALLBACK_LOCAL} by this instance's warm window in
 * memory, which holds every grant Redis made to this instance, within this instance's share of
 * the limit: a late reply is never a rejection by itself. When Redis's answer comes after all, a
 * grant it made is recorded in memory unless memory granted the call already (recorded once, not
 * twice). What this costs the limit is stated in docs/failure-and-recovery.md: per window, at most
 * the late calls that memory granted and Redis would have rejected, never more than one share per
 * instance. Neither wrapped
 * store knows of the other or of outages. This class is thread-safe.
 */
final class FailoverRateLimitStore implements RateLimitStore, InstanceStore {

    private static final int SUCCESSES_TO_RECOVER = 2;
    /** How long a first connection may take, at least, before its slowness counts as a failure. */
    private static final Duration CONNECT_GRACE = Duration.ofSeconds(3);

    private final ReseedableStore redis;
    private final InMemoryRateLimitStore local;
    private final Function<Throwable, String> describe;
    private final Predicate<Object> granted;
    private final RatewardenSettings settings;
    private final RedisHealth health;
    private final OutageAdmission outage;
    private final FailurePolicies policies;
    private final RedisProber prober;
    private final Heartbeats heartbeats;
    private final SharedOverrides overrides;
    private final ReseedLog reseeds;
    private final boolean sharesOverrides;
    private final LongAdder fallbackDecisions = new LongAdder();
    private final LongAdder cachedRejections = new LongAdder();
    private final LongAdder redisCalls = new LongAdder();
    private final LongAdder redisCallNanos = new LongAdder();
    private final KeyChanges keyChanges;
    private final JointDecisions joint;

    /**
     * Creates the store, unhealthy until its first successful probe; {@link #start()} starts the
     * background probe. Does not block.
     *
     * @param backend the shared backend: its store throws {@link StoreUnavailableException} (a
     *     {@link StoreTimeoutException} for no answer, a {@link KeyDataException} for one key's bad
     *     data) when it cannot decide; closed with this store
     * @param local the in-memory store, on the ticker that dates outages and recoveries
     * @param settings the instance's settings
     */
    FailoverRateLimitStore(SharedBackend backend, InMemoryRateLimitStore local, RatewardenSettings settings) {
        ReseedableStore redis = backend.store();
        Heartbeats heartbeats = backend.heartbeats();
        String described = backend.described();
        String maskedUrl = backend.maskedAddress();
        this.sharesOverrides = backend.sharesOverrides();
        this.describe = backend::describe;
        this.granted = backend::granted;
        this.redis = Objects.requireNonNull(redis, "redis");
        this.local = Objects.requireNonNull(local, "local");
        this.settings = settings;
        this.health = new RedisHealth(settings.name(), described, maskedUrl, SUCCESSES_TO_RECOVER,
                settings.redisTimeout().multipliedBy(3), Clock.systemUTC(), local::now);
        this.outage = new OutageAdmission(local, settings.fallbackShare(), settings.localMaxKeys());
        this.policies = new FailurePolicies(settings.failurePolicy(), settings.probeInterval());
        Duration grace = settings.startupWait().compareTo(CONNECT_GRACE) > 0 ? settings.startupWait() : CONNECT_GRACE;
        this.heartbeats = heartbeats;
        this.overrides = new SharedOverrides(new OverrideSync(settings.name(), maskedUrl), heartbeats, health, settings);
        this.reseeds = new ReseedLog(settings.name(), maskedUrl);
        this.keyChanges = new KeyChanges(local, outage, health, redis, this::answered, this::failed);
        this.joint = new JointDecisions(local, outage, health, redis, settings.overLimitCache(),
                cachedRejections::increment, this::answered, this::failed);
        this.prober = new RedisProber(heartbeats, health, this::heard, this::failed, settings.name(), settings.name() + "/" + UUID.randomUUID(), described,
                settings.probeInterval(), settings.redisTimeout(), grace);
    }

    /**
     * Builds the store a {@code Ratewarden} uses on a shared backend, and starts its probe, which
     * first runs at once. Does not block.
     *
     * @param backend the backend, closed with the store
     * @param local the in-memory store, closed with the store
     * @param settings the instance's settings
     * @return the started store
     */
    static FailoverRateLimitStore start(SharedBackend backend, InMemoryRateLimitStore local,
                                        RatewardenSettings settings) {
        FailoverRateLimitStore store = new FailoverRateLimitStore(backend, local, settings);
        backend.onLateAnswer(store::answeredLate);
        backend.onReseed(store.reseeds::reseeded);
        store.start();
        return store;
    }

    /** The warm in-memory store, which decides when Redis does not. */
    InMemoryRateLimitStore local() {
        return local;
    }

    /** Starts the background probe, which first runs at once. */
    void start() {
        prober.start();
    }

    /** What a heartbeat said besides that Redis is alive: the instances alive, and the overrides. */
    private void heard(Heartbeats.Heartbeat beat) {
        outage.liveInstances(beat.liveInstances());
        overrides.heard(beat.overrides());
    }

    @Override
    public void onOverrides(Consumer<Map<String, Map<String, OverrideInForce>>> listener) {
        overrides.onOverrides(listener);
    }

    /**
     * {@inheritDoc} One round trip, while Redis decides, waiting up to the instance's {@code overrideWait}.
     *
     * @throws OverrideOutcomeUnknownException when Redis did not answer in time: it may still store it
     * @throws StoreUnavailableException when Redis does not decide or answered with an error
     */
    @Override
    public OverrideInForce storeOverride(String limitName, String tier, Limit limit, Duration expiry) {
        if (!sharesOverrides) {
            return InstanceStore.super.storeOverride(limitName, tier, limit, expiry);
        }
        return overrides.store(limitName, tier, limit, expiry);
    }

    /** Redis answered a call after its caller stopped waiting: a slow reply, not a dead server. */
    void answeredLate() {
        health.callSucceeded();
    }

    /** {@inheritDoc} Applies the default failure policy when Redis cannot decide. */
    @Override
    public Decision tryAcquire(LimitKey key, long permits) {
        return tryAcquire(key, permits, FailurePolicy.DEFAULT);
    }

    @Override
    public Decision tryAcquire(LimitKey key, long permits, FailurePolicy onFailure) {
        if (!health.isHealthy()) {
            return decideByPolicy(key, permits, onFailure);
        }
        if (settings.overLimitCache()) {
            long rejectedFor = outage.rejectedByRedisFor(key, permits);
            if (rejectedFor > 0) {
                cachedRejections.increment();
                return Decision.rejected(Backend.REDIS, Duration.ofNanos(rejectedFor));
            }
        }
        boolean afterOutage = outage.inFirstWindowAfterRecovery(key, health.recoveredAt());
        if (afterOutage) {
            Decision inMemory = outage.admitAfterRecovery(key, permits);
            if (!inMemory.allowed()) {
                return inMemory;
            }
        }
        // What this instance holds of the key re-creates it on Redis if Redis lost it: the grants
        // in its window, and the permits its other calls asked for and have not heard back about
        // (Redis may have granted them just before it lost the key). After an outage memory
        // decided first and holds this call too: Redis counts it on its own.
        SlidingWindow window = afterOutage ? null : local.existing(key);
        long heldHere = window == null ? 0 : window.heldInWindow(local.now()) + window.sharedInFlight();
        if (window != null) {
            window.sharedInFlight(permits);
        }
        long sent = System.nanoTime();
        try {
            Decision decision = redis.tryAcquire(key, permits, heldHere);
            answered(sent);
            health.callSucceeded();
            if (decision.allowed()) {
                if (!afterOutage) {
                    outage.grantedByRedis(key, permits);
                }
            } else {
                outage.rejectedByRedis(key, permits, decision, sent);
            }
            return decision;
        } catch (KeyDataException e) {
            answered(sent);
            health.callSucceeded(); // Redis answered: that key's data, not the instance
            return decideByPolicy(key, permits, onFailure); // on that key alone, as in an outage
        } catch (StoreUnavailableException e) {
            failed(e);
            if (policies.resolve(onFailure) == FailurePolicy.FALLBACK_LOCAL) {
                if (afterOutage) {
                    fallbackDecisions.increment();
                    return Decision.allowed(Backend.IN_MEMORY); // memory granted it above already
                }
                if (health.isHealthy()) {
                    fallbackDecisions.increment();
                    return decideLateReply(key, permits, e);
                }
            }
        } finally {
            if (window != null) {
                window.sharedInFlight(-permits); // a grant is recorded above before this
            }
        }
        return decideByPolicy(key, permits, onFailure);
    }

    /** {@inheritDoc} While Redis decides, on a store that decides several limits in one round trip. */
    @Override
    public boolean decidesTogether() {
        return joint.possible();
    }

    /** {@inheritDoc} See {@link JointDecisions}. */
    @Override
    public Decision[] tryAcquireTogether(LimitKey[] keys, long[] permits) {
        return joint.tryAcquire(keys, permits);
    }

    /**
     * A late reply while Redis is deemed healthy: the warm window decides. If memory rejects and
     * Redis's grant comes after all, memory records that grant, so that it holds each grant once.
     */
    private Decision decideLateReply(LimitKey key, long permits, StoreUnavailableException failure) {
        Decision inMemory = outage.decideLateReply(key, permits);
        if (!inMemory.allowed() && failure instanceof StoreTimeoutException timeout) {
            timeout.onLateAnswer(answer -> {
                if (granted.test(answer)) {
                    outage.grantedByRedis(key, permits);
                }
            });
        }
        return inMemory;
    }

    private void answered(long sent) {
        redisCalls.increment();
        redisCallNanos.add(System.nanoTime() - sent);
    }

    private Decision decideByPolicy(LimitKey key, long permits, FailurePolicy onFailure) {
        fallbackDecisions.increment();
        Decision decision = policies.decideUnlessLocal(policies.resolve(onFailure), key, permits);
        return decision != null ? decision : outage.admitDuringOutage(key, permits, health.failedAt());
    }

    /** {@inheritDoc} See {@link KeyChanges#remaining}. */
    @Override
    public long remaining(LimitKey key) {
        return keyChanges.remaining(key);
    }

    /**
     * {@inheritDoc} In this instance's memory and over-limit cache at once, and on Redis in one
     * round trip.
     *
     * @throws StoreUnavailableException when Redis does not decide or does not answer: the key was
     *     reset in this instance only
     */
    @Override
    public void reset(LimitKey key) {
        keyChanges.reset(key);
    }

    /**
     * {@inheritDoc} In this instance's memory and over-limit cache at once, and on Redis in one
     * round trip while Redis decides.
     *
     * @throws StoreUnavailableException when Redis does not decide or does not answer: the permits
     *     were given back in this instance's memory only
     */
    @Override
    public void refund(LimitKey key, long permits) {
        keyChanges.refund(key, permits);
    }

    /**
     * Probes Redis now, on the calling thread, and returns whether the store is healthy after it.
     * Blocks at most for the Redis timeout.
     *
     * @return whether Redis decides after the probe
     */
    @Override
    public boolean probe() {
        return prober.probe();
    }

    @Override
    public boolean awaitFirstVerdict(Duration bound) {
        try {
            return health.awaitVerdict(bound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Reports a failure of a call or a probe to the health state machine: a timeout as one that
     * must persist (none at all when its thread was starved), anything else as evidence. Nothing
     * once closing: a call cut short by close() says nothing of Redis.
     */
    private void failed(Throwable failure) {
        if (prober.closed()) {
            return;
        }
        if (failure instanceof StoreTimeoutException timeout) {
            if (!timeout.starved()) {
                health.timedOut(timeout.getMessage(), timeout.waitedNanos());
            }
        } else {
            health.failed(failure instanceof StoreUnavailableException ? failure.getMessage()
                    : describe.apply(failure));
        }
    }

    @Override
    public long cachedRejections() {
        return cachedRejections.sum();
    }

    @Override
    public long redisCalls() {
        return redisCalls.sum();
    }

    @Override
    public long redisCallNanos() {
        return redisCallNanos.sum();
    }

    @Override
    public int probesToRecover() {
        return health.probesToRecover();
    }

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
     * Stops the probe (see {@link RedisProber#close()}, within a second) and closes both stores:
     * the Redis client at once, or, when a heartbeat is still inside a connection attempt that
     * cannot be interrupted, on a daemon thread as soon as that attempt ends (its connect timeout at
     * most), so that no shutdown cuts an attempt off. No Redis client is created afterwards. Calls
     * in flight are decided by the policy, without a failover.
     */
    @Override
    public void close() {
        try {
            prober.close();
        } finally {
            local.close();
            prober.afterHeartbeat(redis::close);
        }
    }
}
