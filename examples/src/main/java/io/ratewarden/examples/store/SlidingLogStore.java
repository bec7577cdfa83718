package io.ratewarden.examples.store;

import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.StoreInfo;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A store of one's own, as the store SPI expects it: each key keeps the log of its grants in the
 * last window, and a call is granted when its permits fit beside them. It shows the contract in
 * the fewest lines; it keeps every grant of the window in memory (a log of up to the limit's
 * permits per key) and forgets a key once its log is empty, so it suits limits of modest size.
 *
 * <p>{@code SlidingLogStoreTest} runs Ratewarden's store test kit on it, as a store of yours
 * should be run before you plug it in with {@code Ratewarden.builder().store(...)}.
 *
 * <p>Thread-safe: calls on one key are serialised on that key's log, calls on different keys run
 * in parallel.
 */
public final class SlidingLogStore implements RateLimitStore {

    /** One grant: when, and how many permits. */
    private record Grant(long atNanos, long permits) {
    }

    /** The grants of one key still in its window, oldest first, and their sum. */
    private static final class Log {
        final ArrayDeque<Grant> grants = new ArrayDeque<>();
        long held;

        /** Drops the grants that have left the window ending {@code now}. */
        void slide(long now, long windowNanos) {
            while (!grants.isEmpty() && now - grants.peekFirst().atNanos() >= windowNanos) {
                held -= grants.pollFirst().permits();
            }
        }

        /** How long until {@code permits} more fit under {@code limit}, the oldest grants leaving first. */
        long waitFor(long permits, long limit, long now, long windowNanos) {
            long over = held + permits - limit;
            Iterator<Grant> oldestFirst = grants.iterator();
            while (oldestFirst.hasNext()) {
                Grant grant = oldestFirst.next();
                over -= grant.permits();
                if (over <= 0) {
                    return Math.max(1, grant.atNanos() + windowNanos - now);
                }
            }
            return windowNanos; // not reached: the permits are at most the limit
        }
    }

    private final ConcurrentMap<LimitKey, Log> logs = new ConcurrentHashMap<>();
    private final Instant since = Instant.now();

    /** {@inheritDoc} Decided in this JVM's memory, on {@link System#nanoTime()}. */
    @Override
    public Decision tryAcquire(LimitKey key, long permits) {
        long limit = key.limit().permits();
        if (permits < 1 || permits > limit) {
            throw new IllegalArgumentException("permits must be between 1 and " + limit + " for limit '"
                    + key.limitName() + "', was " + permits);
        }
        long windowNanos = key.limit().window().toNanos();
        Decision[] decision = new Decision[1];
        logs.compute(key, (k, log) -> {
            Log current = log == null ? new Log() : log;
            long now = System.nanoTime();
            current.slide(now, windowNanos);
            if (current.held + permits <= limit) {
                current.grants.addLast(new Grant(now, permits));
                current.held += permits;
                decision[0] = Decision.allowed(Backend.IN_MEMORY);
            } else {
                decision[0] = Decision.rejected(Backend.IN_MEMORY,
                        Duration.ofNanos(current.waitFor(permits, limit, now, windowNanos)));
            }
            return current.grants.isEmpty() ? null : current;
        });
        return decision[0];
    }

    @Override
    public long remaining(LimitKey key) {
        long[] held = new long[1];
        logs.computeIfPresent(key, (k, log) -> {
            log.slide(System.nanoTime(), key.limit().window().toNanos());
            held[0] = log.held;
            return log.grants.isEmpty() ? null : log;
        });
        return Math.max(0, key.limit().permits() - held[0]);
    }

    @Override
    public void reset(LimitKey key) {
        logs.remove(key);
    }

    /** Always usable: the log lives in this JVM. */
    @Override
    public boolean isHealthy() {
        return true;
    }

    @Override
    public StoreInfo info() {
        return new StoreInfo(Backend.IN_MEMORY, true, null, since, 0, 0, null, null, null, logs.size());
    }

    /** Forgets every log. */
    @Override
    public void close() {
        logs.clear();
    }
}
