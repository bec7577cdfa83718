package io.ratewarden;

import io.ratewarden.internal.store.InstanceStore;
import io.ratewarden.internal.store.LocalBucket;
import io.ratewarden.store.LimitKey;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * One named limit of a {@link Ratewarden} instance, obtained from
 * {@link Ratewarden#limit(String, Limit)}. Asks the instance's store for permits per key.
 *
 * <p>This class is thread-safe.
 */
public final class Limiter {

    private final Ratewarden owner;
    private final String name;
    private final Limit limit;
    private final LimitKey sharedKey;
    private final LocalBucket sharedBucket;
    // Calls granted are counted by the store's window for the shared bucket (no cost per call),
    // here for every other key, by the backend that decided; a shared call of n permits adds
    // n - 1 to sharedExtraPermits. The shared bucket exists only in memory.
    private final LongAdder permittedByRedis = new LongAdder();
    private final LongAdder permittedInMemory = new LongAdder();
    private final LongAdder sharedExtraPermits = new LongAdder();
    private final LongAdder rejectedByRedis = new LongAdder();
    private final LongAdder rejectedInMemory = new LongAdder();

    Limiter(Ratewarden owner, String name, Limit limit, InstanceStore store) {
        this.owner = owner;
        this.name = name;
        this.limit = limit;
        this.sharedKey = LimitKey.of(name, limit, "");
        // Without Redis, the shared bucket is asked directly: the hot path of a limit without key.
        this.sharedBucket = store.sharedBucket();
    }

    /**
     * Takes {@code permits} permits for {@code key} if they are all available now, else takes none.
     * Blocks at most for the instance's Redis timeout.
     *
     * @param key the caller's key; {@code ""} is the one bucket shared by all callers, {@code null}
     *     is taken as the text {@code null}, keys over 128 characters are replaced by a stable hash
     * @param permits how many permits, between 1 and the limit's permits
     * @return the decision, never {@code null}
     * @throws IllegalArgumentException if {@code permits} is out of range
     * @throws IllegalStateException if the instance is closed
     */
    public Decision tryAcquire(String key, long permits) {
        return tryAcquire(key, permits, FailurePolicy.DEFAULT);
    }

    /**
     * Takes permits as {@link #tryAcquire(String, long)} does, with {@code onStoreFailure} deciding
     * the call when Redis cannot.
     *
     * @param key the caller's key
     * @param permits how many permits, between 1 and the limit's permits
     * @param onStoreFailure the policy for this call; {@link FailurePolicy#DEFAULT} for the
     *     instance's
     * @return the decision, never {@code null}
     * @throws IllegalArgumentException if {@code permits} is out of range
     * @throws IllegalStateException if the instance is closed
     */
    public Decision tryAcquire(String key, long permits, FailurePolicy onStoreFailure) {
        if (key != null && key.isEmpty()) {
            return tryAcquireShared(permits, onStoreFailure);
        }
        return askStore(owner.openStore(), key, permits, onStoreFailure);
    }

    /**
     * Takes {@code permits} permits from the limit's one bucket shared by all callers, the key
     * {@code ""}: the same decision as {@code tryAcquire("", permits, onStoreFailure)}, by the
     * shortest path. Blocks at most for the instance's Redis timeout.
     *
     * @param permits how many permits, between 1 and the limit's permits
     * @param onStoreFailure the policy for this call; {@link FailurePolicy#DEFAULT} for the
     *     instance's
     * @return the decision, never {@code null}
     * @throws IllegalArgumentException if {@code permits} is out of range
     * @throws IllegalStateException if the instance is closed
     */
    public Decision tryAcquireShared(long permits, FailurePolicy onStoreFailure) {
        InstanceStore store = owner.openStore();
        LocalBucket bucket = sharedBucket;
        if (bucket == null) {
            return askStore(store, "", permits, onStoreFailure);
        }
        Decision decision = bucket.tryAcquire(sharedKey, permits);
        if (!decision.allowed()) {
            rejectedInMemory.increment();
        } else if (permits != 1) {
            sharedExtraPermits.add(permits - 1);
        }
        return decision;
    }

    // Kept apart from the shared bucket's path, so that the JIT can inline that path into callers.
    private Decision askStore(InstanceStore store, String key, long permits, FailurePolicy onStoreFailure) {
        Decision decision = store.tryAcquire(keyOf(key), permits, onStoreFailure);
        boolean byRedis = decision.decidedBy() == Backend.REDIS;
        if (decision.allowed()) {
            (byRedis ? permittedByRedis : permittedInMemory).increment();
        } else {
            (byRedis ? rejectedByRedis : rejectedInMemory).increment();
        }
        return decision;
    }

    /**
     * Returns the permits a call for {@code key} could take now, without taking any: the limit
     * less what the key holds on the backend that decides. One round trip on Redis, none in
     * memory; blocks at most for the instance's Redis timeout. While Redis cannot answer, memory
     * answers, within this instance's share of the limit.
     *
     * @param key the caller's key, normalised as {@link #tryAcquire(String, long)} does
     * @return the permits, between 0 and the limit's permits
     * @throws IllegalStateException if the instance is closed
     * @throws UnsupportedOperationException if a plugged store cannot tell
     */
    public long remaining(String key) {
        return owner.openStore().remaining(keyOf(key));
    }

    /**
     * Forgets every grant of {@code key}, so that its next call finds the whole limit: on the
     * backend that decides (one round trip on Redis), in this instance's memory and in its
     * over-limit cache. Other instances on Redis see the reset with their next call on Redis;
     * a refusal one of them cached keeps refusing that key there until its retry time, at most
     * one window. Blocks at most for the instance's Redis timeout.
     *
     * @param key the caller's key, normalised as {@link #tryAcquire(String, long)} does
     * @throws IllegalStateException if the instance is closed, or if Redis could not be reached
     *     (the key was then reset in this instance's memory only; the message says why)
     * @throws UnsupportedOperationException if a plugged store cannot reset a key
     */
    public void reset(String key) {
        try {
            owner.openStore().reset(keyOf(key));
        } catch (io.ratewarden.store.StoreUnavailableException e) {
            throw new IllegalStateException("Limit '" + name + "': " + e.getMessage());
        }
    }

    private LimitKey keyOf(String key) {
        return key != null && key.isEmpty() ? sharedKey : LimitKey.of(name, limit, key);
    }

    /**
     * Takes one permit for {@code key}; see {@link #tryAcquire(String, long)}.
     *
     * @param key the caller's key
     * @return the decision, never {@code null}
     */
    public Decision tryAcquire(String key) {
        return tryAcquire(key, 1);
    }

    /**
     * Returns the limit's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the limit's definition.
     *
     * @return the limit
     */
    public Limit limit() {
        return limit;
    }

    @Override
    public String toString() {
        return "Limiter[" + name + ": " + limit + "]";
    }

    /**
     * Returns how many calls this limit granted since it was defined, whichever backend decided.
     * Exact once no call is in flight; never decreases. Does no I/O.
     *
     * @return the calls granted
     */
    public long permitted() {
        return permitted(Backend.REDIS) + permitted(Backend.IN_MEMORY);
    }

    /**
     * Returns how many calls this limit refused since it was defined, whichever backend decided.
     *
     * @return the calls refused
     */
    public long rejected() {
        return rejected(Backend.REDIS) + rejected(Backend.IN_MEMORY);
    }

    /**
     * Returns how many calls {@code backend} granted for this limit since it was defined: the
     * calls whose {@link Decision#decidedBy()} was {@code backend}. Exact once no call is in
     * flight; never decreases. Does no I/O.
     *
     * @param backend the backend, never {@code null}
     * @return the calls granted by {@code backend}
     */
    public long permitted(Backend backend) {
        if (backend == Backend.REDIS) {
            return permittedByRedis.sum();
        }
        long shared = sharedBucket == null ? 0 : sharedBucket.grantedPermits(sharedKey) - sharedExtraPermits.sum();
        return permittedInMemory.sum() + shared;
    }

    /**
     * Returns how many calls {@code backend} refused for this limit since it was defined,
     * counting refusals from the over-limit cache as Redis's.
     *
     * @param backend the backend, never {@code null}
     * @return the calls refused by {@code backend}
     */
    public long rejected(Backend backend) {
        return (backend == Backend.REDIS ? rejectedByRedis : rejectedInMemory).sum();
    }

    boolean sameDefinition(Limit other) {
        return Objects.equals(limit, other);
    }
}
