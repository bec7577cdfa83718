package io.ratewarden.store.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
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
 * <p>Published in {@code ratewarden-core}'s test jar:
 * <pre>{@code
 * <dependency>
 *   <groupId>io.ratewarden</groupId>
 *   <artifactId>ratewarden-core</artifactId>
 *   <type>test-jar</type>
 *   <scope>test</scope>
 * </dependency>
 * }</pre>
 * with {@code junit-jupiter}, {@code assertj-core} and {@code awaitility} as test dependencies.
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
            assertThat(granted.allowed()).as("call %d", i + 1).isTrue();
            assertThat(granted.decidedBy()).as("call %d", i + 1).isEqualTo(decidingBackend());
        }
        Decision rejected = store.tryAcquire(key, 1);
        assertThat(rejected.allowed()).isFalse();
        assertThat(rejected.decidedBy()).isEqualTo(decidingBackend());
        assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMillis(30_000 + 30_000 / 16));
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
        assertThat(store.tryAcquire(full, 5).allowed()).isTrue();
        assertThat(store.tryAcquire(half, 2).allowed()).isTrue();

        store = loseState(store);

        for (LimitKey key : List.of(full, half)) {
            int held = keepsGrantsAcrossLoss() ? (key == full ? 5 : 2) : 0;
            for (int i = 0; i < 5 - held; i++) {
                Decision decision = store.tryAcquire(key, 1);
                assertThat(decision.allowed()).as("%s: call %d after the loss", key.key(), i + 1).isTrue();
                assertThat(decision.decidedBy()).isEqualTo(decidingBackend());
            }
            Decision rejected = store.tryAcquire(key, 1);
            assertThat(rejected.allowed()).as("%s: the limit holds again after the loss", key.key()).isFalse();
            assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(limit.window());
        }
    }

    /** A cost below 1 or above the limit's permits is an argument error that takes nothing. */
    @Test
    public void aCostOutOfRangeIsRejectedWithAnArgumentError() {
        LimitKey key = LimitKey.of("range", Limit.of(5, Duration.ofSeconds(30)), "k");
        assertThatThrownBy(() -> store.tryAcquire(key, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.tryAcquire(key, 6)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'range'");
        assertThat(store.tryAcquire(key, 5).allowed()).as("nothing was taken by the bad calls").isTrue();
    }

    /** A cost takes that many permits at once, or none. */
    @Test
    public void costTakesSeveralPermits() {
        LimitKey key = LimitKey.of("cost", Limit.of(5, Duration.ofSeconds(30)), "k");
        assertThat(store.tryAcquire(key, 3).allowed()).isTrue();
        assertThat(store.tryAcquire(key, 3).allowed()).isFalse();
        assertThat(store.tryAcquire(key, 2).allowed()).isTrue();
        assertThat(store.tryAcquire(key, 1).allowed()).isFalse();
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
            assertThat(store.tryAcquire(key, 1).allowed()).as("first call for %s", key.key()).isTrue();
        }
        for (LimitKey key : keys) {
            assertThat(store.tryAcquire(key, 1).allowed()).as("second call for %s", key.key()).isFalse();
        }
    }

    /** Permits come back once the window has passed, and not before. */
    @Test
    public void permitsReturnOnceTheWindowHasPassed() {
        Duration window = Duration.ofMillis(600);
        LimitKey key = LimitKey.of("refill", Limit.of(2, window), "k");
        long start = System.nanoTime();
        assertThat(store.tryAcquire(key, 2).allowed()).isTrue();
        assertThat(store.tryAcquire(key, 1).allowed()).isFalse();

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> store.tryAcquire(key, 1).allowed());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no permit came back early")
                .isGreaterThanOrEqualTo(window);
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
            assertThat(store.tryAcquire(key, 2).allowed()).isTrue();
            long firstGranted = System.nanoTime();
            parkUntil(start + window.toNanos() / 2);
            long secondAsked = System.nanoTime();
            assertThat(store.tryAcquire(key, 2).allowed()).isTrue();
            parkUntil(start + window.toNanos() + window.toNanos() / 8);
            long thirdAsked = System.nanoTime();
            Decision third = store.tryAcquire(key, 2);
            Decision fourth = store.tryAcquire(key, 1);
            long fourthAnswered = System.nanoTime();
            if (thirdAsked - firstGranted < window.toNanos() || fourthAnswered - secondAsked >= window.toNanos()) {
                continue; // a call the machine delayed: the moments were missed, no proof either way
            }
            assertThat(third.allowed()).as("the first two left the window").isTrue();
            assertThat(fourth.allowed()).as("the second two still count").isFalse();
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
        assertThat(store.remaining(key)).as("a bucket never used").isEqualTo(5);
        assertThat(store.tryAcquire(key, 2).allowed()).isTrue();
        for (int i = 0; i < 3; i++) {
            assertThat(store.remaining(key)).as("asked %d times", i + 1).isEqualTo(3);
        }
        assertThat(store.tryAcquire(key, 3).allowed()).isTrue();
        assertThat(store.remaining(key)).isZero();
        assertThat(store.tryAcquire(key, 1).allowed()).isFalse();

        reset(key);
        assertThat(store.remaining(key)).as("after a reset").isEqualTo(5);
        Decision afterReset = store.tryAcquire(key, 5);
        assertThat(afterReset.allowed()).as("the whole limit at once after a reset").isTrue();
        assertThat(afterReset.decidedBy()).isEqualTo(decidingBackend());
        assertThat(store.tryAcquire(key, 1).allowed()).isFalse();
        LimitKey other = LimitKey.of("remaining", key.limit(), "bob");
        reset(other);
        assertThat(store.remaining(key)).as("a reset of another key changes nothing here").isZero();
    }

    /** A raised or lowered limit decides over the grants the bucket already holds. */
    @Test
    public void aChangedLimitDecidesOverTheGrantsTheBucketHolds() {
        assumeTrue(readsAndResets(), "the store does not read keys");
        for (long permits : List.of(5L, 100L)) { // an exact log, and slots
            Duration window = Duration.ofMinutes(1);
            LimitKey before = LimitKey.of("changed", Limit.of(permits, window), "k" + permits);
            assertThat(store.tryAcquire(before, permits).allowed()).isTrue();
            assertThat(store.tryAcquire(before, 1).allowed()).as("%d of %d used", permits, permits).isFalse();

            LimitKey raised = before.withLimit(Limit.of(permits + 3, window));
            assertThat(store.remaining(raised)).as("raised by 3: 3 more at once").isEqualTo(3);
            Decision more = store.tryAcquire(raised, 3);
            assertThat(more.allowed()).as("raised by 3: 3 more at once").isTrue();
            assertThat(more.decidedBy()).isEqualTo(decidingBackend());
            assertThat(store.tryAcquire(raised, 1).allowed()).isFalse();

            LimitKey lowered = before.withLimit(Limit.of(permits - 2, window));
            assertThat(store.remaining(lowered)).as("lowered below what the bucket holds").isZero();
            Decision rejected = store.tryAcquire(lowered, 1);
            assertThat(rejected.allowed()).isFalse();
            assertThat(rejected.retryAfter()).isPositive().isLessThanOrEqualTo(window);
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
        assertThat(total).isEqualTo(50);
    }

    private static void parkUntil(long nanoTime) {
        long remaining;
        while ((remaining = nanoTime - System.nanoTime()) > 0) {
            LockSupport.parkNanos(remaining);
        }
    }
}
