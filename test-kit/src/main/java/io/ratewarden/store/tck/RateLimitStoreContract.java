package io.ratewarden.store.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ratewarden.Backend;
import io.ratewarden.Decision;
import io.ratewarden.Limit;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.RateLimitStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link RateLimitStore} promises, as tests: the store test kit. Ratewarden's
 * own stores pass it (memory, Redis with each algorithm, the failover store on a healthy and on
 * an unreachable Redis, a plugged store), and so must a store of yours before you plug it in
 * ({@code docs/custom-store.md}).
 *
 * <p>Extend it with a JUnit 5 test class and implement the three hooks:
 * <ul>
 *   <li>{@link #newStore()}: a fresh, empty store, one per test;</li>
 *   <li>{@link #loseState(RateLimitStore)}: make the backend forget everything it holds, as a
 *       restart, a flush or an eviction does;</li>
 *   <li>{@link #decidingBackend()}: the backend your store's decisions name.</li>
 * </ul>
 * Override {@link #reset(LimitKey)} when a reset goes through something other than the store, and
 * {@link #readsAndResets()} to return {@code false} for a store that does not implement
 * {@link RateLimitStore#remaining(LimitKey)} and {@link RateLimitStore#reset(LimitKey)} (their
 * tests are then skipped, and say so).
 *
 * <p>What it checks: exact grants and rejections with a retry estimate within the window, costs and
 * their range, keys isolated whatever characters they hold (and limit names from keys), permits
 * returning once the window has passed, a window that slides rather than resets, reading and
 * resetting a key, a changed limit deciding over the grants a bucket holds, concurrent callers
 * never getting more than the limit, and a backend that lost its state going on from a full
 * window (or from the grants the store kept, {@link #keepsGrantsAcrossLoss()}). It runs in real time with windows of about a second, so the whole kit takes a few
 * seconds; timings are checked only where the machine kept them.
 *
 * <p>Published as {@code ratewarden-test}, which needs nothing but core and JUnit 5's API (add
 * {@code junit-jupiter} to run it):
 * <pre>{@code
 * <dependency>
 *   <groupId>io.ratewarden</groupId>
 *   <artifactId>ratewarden-test</artifactId>
 *   <scope>test</scope>
 * </dependency>
 * }</pre>
 */
public abstract class RateLimitStoreContract {

    /** The store under test, from {@link #newStore()}; closed after each test. */
    protected RateLimitStore store;

    /**
     * Returns a fresh, empty store. Stores on a shared backend give each test its own key space.
     *
     * @return the store
     * @throws Exception if it cannot be made
     */
    protected abstract RateLimitStore newStore() throws Exception;

    /**
     * Makes the backend lose everything it holds for this store, as a restart, a flush or an
     * eviction does, and returns the store to go on with: the same one when its backend lost the
     * state under it, a new one when losing the state means a new process.
     *
     * @param current the store in use
     * @return the store to go on with
     * @throws Exception if the state cannot be dropped
     */
    protected abstract RateLimitStore loseState(RateLimitStore current) throws Exception;

    /**
     * Returns the backend that must decide every call of this run, as {@link Decision#decidedBy()}
     * names it.
     *
     * @return the backend
     */
    protected abstract Backend decidingBackend();

    /**
     * Resets {@code key} as an operator would; a store whose primary backend is away resets the
     * backend that decides and says that it could not reach the other.
     *
     * @param key the key
     */
    protected void reset(LimitKey key) {
        store.reset(key);
    }

    /**
     * Returns whether the store implements {@link RateLimitStore#remaining(LimitKey)} and
     * {@link RateLimitStore#reset(LimitKey)}; {@code true} unless overridden.
     *
     * @return whether their tests run
     */
    protected boolean readsAndResets() {
        return true;
    }

    /**
     * Opens the store of a test.
     *
     * @throws Exception if {@link #newStore()} fails
     */
    @BeforeEach
    public void open() throws Exception {
        store = newStore();
    }

    /** Closes the store of a test. */
    @AfterEach
    public void closeStore() {
        store.close();
    }

    /** A limit's permits are granted one by one, then rejected with a retry estimate within the window. */
    @Test
    public void grantsExactlyThePermitsThenRejectsWithARetryEstimate() {
        LimitKey key = LimitKey.of("exact", Limit.of(5, Duration.ofSeconds(30)), "alice");
        for (int i = 0; i < 5; i++) {
            Decision granted = store.tryAcquire(key, 1);
            assertTrue(granted.allowed(), String.format("call %d", i + 1));
            assertEquals(decidingBackend(), granted.decidedBy(), String.format("call %d", i + 1));
        }
        Decision rejected = store.tryAcquire(key, 1);
        assertFalse(rejected.allowed());
        assertEquals(decidingBackend(), rejected.decidedBy());
        assertRetryAfterWithin(rejected, Duration.ofMillis(30_000 + 30_000 / 16));
    }

    /**
     * Returns whether the store keeps a copy of its grants beside the backend, from which it
     * re-creates what the backend lost ({@link #loseState}), as Ratewarden's failover store does
     * from its in-memory window: then a key goes on from what it held, not from a full window.
     * {@code false} unless overridden.
     *
     * @return whether grants survive a loss of the backend's state
     */
    protected boolean keepsGrantsAcrossLoss() {
        return false;
    }

    /**
     * A backend that lost its state goes on deciding, every key from a full window, or, for a store
     * that {@linkplain #keepsGrantsAcrossLoss() keeps its grants}, from what it held.
     */
    @Test
    public void aBackendThatLostItsStateGoesOnDecidingFromAFullWindow() throws Exception {
        Limit limit = Limit.of(5, Duration.ofSeconds(30));
        LimitKey full = LimitKey.of("lost", limit, "full");
        LimitKey half = LimitKey.of("lost", limit, "half");
        assertTrue(store.tryAcquire(full, 5).allowed());
        assertTrue(store.tryAcquire(half, 2).allowed());

        store = loseState(store);

        for (LimitKey key : List.of(full, half)) {
            int held = keepsGrantsAcrossLoss() ? (key == full ? 5 : 2) : 0;
            for (int i = 0; i < 5 - held; i++) {
                Decision decision = store.tryAcquire(key, 1);
                assertTrue(decision.allowed(), String.format("%s: call %d after the loss", key.key(), i + 1));
                assertEquals(decidingBackend(), decision.decidedBy());
            }
            Decision rejected = store.tryAcquire(key, 1);
            assertFalse(rejected.allowed(), String.format("%s: the limit holds again after the loss", key.key()));
            assertRetryAfterWithin(rejected, limit.window());
        }
    }

    /** A cost below 1 or above the limit's permits is an argument error that takes nothing. */
    @Test
    public void aCostOutOfRangeIsRejectedWithAnArgumentError() {
        LimitKey key = LimitKey.of("range", Limit.of(5, Duration.ofSeconds(30)), "k");
        assertThrows(IllegalArgumentException.class, () -> store.tryAcquire(key, 0));
        IllegalArgumentException above = assertThrows(IllegalArgumentException.class, () -> store.tryAcquire(key, 6));
        assertTrue(String.valueOf(above.getMessage()).contains("'range'"),
                "the message names the limit: " + above.getMessage());
        assertTrue(store.tryAcquire(key, 5).allowed(), "nothing was taken by the bad calls");
    }

    /** A cost takes that many permits at once, or none. */
    @Test
    public void costTakesSeveralPermits() {
        LimitKey key = LimitKey.of("cost", Limit.of(5, Duration.ofSeconds(30)), "k");
        assertTrue(store.tryAcquire(key, 3).allowed());
        assertFalse(store.tryAcquire(key, 3).allowed());
        assertTrue(store.tryAcquire(key, 2).allowed());
        assertFalse(store.tryAcquire(key, 1).allowed());
    }

    /** Keys are isolated whatever characters they hold, and limit names do not run into keys. */
    @Test
    public void keysAreIsolatedWhateverTheyHold() {
        Limit one = Limit.of(1, Duration.ofSeconds(30));
        List<LimitKey> keys = new ArrayList<>();
        for (String raw : List.of("", "a", "A", "a ", "{a}", "{", "}", "a:b", "%7B", "%", "ключ", "\u0000\n",
                "x".repeat(100_000), "x".repeat(99_999) + "y")) {
            keys.add(LimitKey.of("isolation", one, raw));
        }
        // A limit name with a colon must not meet a key with one: "n:x" + "y" versus "n" + "x:y".
        keys.add(LimitKey.of("n:x", one, "y"));
        keys.add(LimitKey.of("n", one, "x:y"));
        for (LimitKey key : keys) {
            assertTrue(store.tryAcquire(key, 1).allowed(), String.format("first call for %s", key.key()));
        }
        for (LimitKey key : keys) {
            assertFalse(store.tryAcquire(key, 1).allowed(), String.format("second call for %s", key.key()));
        }
    }

    /** Permits come back once the window has passed, and not before. */
    @Test
    public void permitsReturnOnceTheWindowHasPassed() {
        Duration window = Duration.ofMillis(600);
        LimitKey key = LimitKey.of("refill", Limit.of(2, window), "k");
        long start = System.nanoTime();
        assertTrue(store.tryAcquire(key, 2).allowed());
        assertFalse(store.tryAcquire(key, 1).allowed());

        long deadline = start + Duration.ofSeconds(30).toNanos();
        while (!store.tryAcquire(key, 1).allowed()) {
            if (System.nanoTime() - deadline > 0) {
                fail("no permit came back within 30 s of a " + window.toMillis() + " ms window");
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        long waited = System.nanoTime() - start;
        assertTrue(waited >= window.toNanos(), "no permit came back early: after " + waited / 1_000_000 + " ms");
    }

    /** The window slides: grants leave it one by one, it never resets at once. */
    @Test
    public void theWindowSlidesRatherThanResets() {
        Duration window = Duration.ofMillis(1_200);
        // The claim is about time: just after the first grants have left the window, only they are
        // free again, and the later ones still count. A run whose calls the machine delayed past
        // those moments proves nothing, and is repeated on another key.
        for (int attempt = 1; attempt <= 5; attempt++) {
            LimitKey key = LimitKey.of("sliding", Limit.of(4, window), "k" + attempt);
            long start = System.nanoTime();
            assertTrue(store.tryAcquire(key, 2).allowed());
            long firstGranted = System.nanoTime();
            parkUntil(start + window.toNanos() / 2);
            long secondAsked = System.nanoTime();
            assertTrue(store.tryAcquire(key, 2).allowed());
            parkUntil(start + window.toNanos() + window.toNanos() / 8);
            long thirdAsked = System.nanoTime();
            Decision third = store.tryAcquire(key, 2);
            Decision fourth = store.tryAcquire(key, 1);
            long fourthAnswered = System.nanoTime();
            if (thirdAsked - firstGranted < window.toNanos() || fourthAnswered - secondAsked >= window.toNanos()) {
                continue; // a call the machine delayed: the moments were missed, no proof either way
            }
            assertTrue(third.allowed(), "the first two left the window");
            assertFalse(fourth.allowed(), "the second two still count");
            return;
        }
        throw new AssertionError("five runs were all delayed past their moments: the machine is too busy"
                + " to check the sliding window");
    }

    /** Reading a key spends nothing; a reset gives the whole limit back at once, to that key only. */
    @Test
    public void remainingSpendsNothingAndResetGivesTheWholeLimitAtOnce() {
        assumeTrue(readsAndResets(), "the store does not read or reset keys");
        LimitKey key = LimitKey.of("remaining", Limit.of(5, Duration.ofSeconds(30)), "alice");
        assertEquals(5, store.remaining(key), "a bucket never used");
        assertTrue(store.tryAcquire(key, 2).allowed());
        for (int i = 0; i < 3; i++) {
            assertEquals(3, store.remaining(key), "asked " + (i + 1) + " times");
        }
        assertTrue(store.tryAcquire(key, 3).allowed());
        assertEquals(0, store.remaining(key));
        assertFalse(store.tryAcquire(key, 1).allowed());

        reset(key);
        assertEquals(5, store.remaining(key), "after a reset");
        Decision afterReset = store.tryAcquire(key, 5);
        assertTrue(afterReset.allowed(), "the whole limit at once after a reset");
        assertEquals(decidingBackend(), afterReset.decidedBy());
        assertFalse(store.tryAcquire(key, 1).allowed());
        LimitKey other = LimitKey.of("remaining", key.limit(), "bob");
        reset(other);
        assertEquals(0, store.remaining(key), "a reset of another key changes nothing here");
    }

    /** A raised or lowered limit decides over the grants the bucket already holds. */
    @Test
    public void aChangedLimitDecidesOverTheGrantsTheBucketHolds() {
        assumeTrue(readsAndResets(), "the store does not read keys");
        for (long permits : List.of(5L, 100L)) { // an exact log, and slots
            Duration window = Duration.ofMinutes(1);
            LimitKey before = LimitKey.of("changed", Limit.of(permits, window), "k" + permits);
            assertTrue(store.tryAcquire(before, permits).allowed());
            assertFalse(store.tryAcquire(before, 1).allowed(), String.format("%d of %d used", permits, permits));

            LimitKey raised = before.withLimit(Limit.of(permits + 3, window));
            assertEquals(3, store.remaining(raised), "raised by 3: 3 more at once");
            Decision more = store.tryAcquire(raised, 3);
            assertTrue(more.allowed(), "raised by 3: 3 more at once");
            assertEquals(decidingBackend(), more.decidedBy());
            assertFalse(store.tryAcquire(raised, 1).allowed());

            LimitKey lowered = before.withLimit(Limit.of(permits - 2, window));
            assertEquals(0, store.remaining(lowered), "lowered below what the bucket holds");
            Decision rejected = store.tryAcquire(lowered, 1);
            assertFalse(rejected.allowed());
            assertRetryAfterWithin(rejected, window);
        }
    }

    /** Callers on several threads at once never get more than the limit. */
    @Test
    public void concurrentCallersNeverGetMoreThanThePermits() throws Exception {
        LimitKey key = LimitKey.of("concurrent", Limit.of(50, Duration.ofSeconds(30)), "hot");
        int threads = 4;
        int callsEach = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Callable<Integer> caller = () -> {
                go.await();
                int granted = 0;
                for (int i = 0; i < callsEach; i++) {
                    if (store.tryAcquire(key, 1).allowed()) {
                        granted++;
                    }
                }
                return granted;
            };
            results.add(pool.submit(caller));
        }
        go.countDown();
        int total = 0;
        for (Future<Integer> result : results) {
            total += result.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(50, total);
    }

    private static void assertRetryAfterWithin(Decision rejected, Duration bound) {
        Duration retryAfter = rejected.retryAfter();
        assertTrue(!retryAfter.isNegative() && !retryAfter.isZero() && retryAfter.compareTo(bound) <= 0,
                "retryAfter " + retryAfter + " is positive and at most " + bound);
    }

    private static void parkUntil(long nanoTime) {
        long remaining;
        while ((remaining = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
        }
    }
}
