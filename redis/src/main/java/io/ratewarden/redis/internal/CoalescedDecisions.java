package io.ratewarden.redis.internal;

import io.ratewarden.internal.failover.StoreTimeoutException;
import io.ratewarden.store.LimitKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;

/**
 * Decisions on Redis, coalesced per bucket: while a decision for a bucket is in flight from this
 * instance, later calls for the same bucket queue, and the next round trip carries them all.
 *
 * <h2>Design</h2>
 * One lane per bucket with something in flight. A call that finds no lane opens one and is sent
 * at once, alone: an idle bucket's call waits for nothing. A call that finds a lane busy queues.
 * When the round trip in flight answers (on the client's thread), the lane takes up to
 * {@value #MAX_BATCH} queued calls, in arrival order, and sends them as one script call, which
 * decides them one after another on what the one before left, exactly as if they had been sent
 * one by one; each caller gets its own answer. When nothing is queued, the lane closes.
 *
 * <p>A queued call is sent only if its caller still waits: taking it into a batch and its caller
 * giving up (its {@code redisTimeout} ran out) race on one compare-and-set, and a call its caller
 * gave up on is never sent. Such a caller gets a {@link StoreTimeoutException} with no answer to
 * come, and its failure policy decides. A lane holds at most {@value #MAX_QUEUED} queued calls; a
 * call beyond goes on its own, as without coalescing.
 *
 * <h2>A batch that does not come back</h2>
 * One lost packet delays one connection, not Redis: without coalescing, the calls after it went on
 * other connections and were decided in time, and only the call in the lost packet fell to the
 * failure policy. So a call not answered within a fifth of its timeout (at least 1 ms) has the
 * lane ask Redis for a sign of life on another request (a script that reads nothing, on the
 * bucket's node). If it answers, the calls still queued behind the late batch go at once in a
 * batch of their own, and Redis decides them in time. The late batch's own calls are never sent
 * again: one that was only slow would take its permits twice (a busy machine delays a reply by a
 * fifth of a short timeout often enough to use up a limit early); they get their answer, or time
 * out and fall to the failure policy as a call without coalescing would. For a second after that, and for as long as a call sent on its own comes back as late,
 * every call of the store goes on its own, as without coalescing: on a lossy network, one lost
 * packet would otherwise delay a whole batch, and its calls would fall to the failure policy
 * together. If Redis answers nothing (it is stopped, or
 * every connection is cut), nothing more is sent, and the queued calls time out unsent. This
 * class is thread-safe.
 */
final class CoalescedDecisions {

    /** The most calls one script call decides. */
    static final int MAX_BATCH = 128;

    /** The most calls that queue for one bucket; a call beyond is sent on its own. */
    static final int MAX_QUEUED = 4_096;

    /** How long calls go on their own after a batch came back late while Redis answered. */
    static final long ALONE_AFTER_LATE_NANOS = 1_000_000_000L;

    private static final Call[] NONE = new Call[0];

    /** A script that reads nothing: Redis's sign of life while a batch is late. */
    private static final String ALIVE = "return 1";

    private final RedisLayout layout;
    private final RedisCommands redis;
    private final long patienceNanos;
    private final ConcurrentMap<LimitKey, Lane> lanes = new ConcurrentHashMap<>();
    private volatile long aloneUntil = System.nanoTime();

    CoalescedDecisions(RedisLayout layout, RedisCommands redis) {
        this.layout = layout;
        this.redis = redis;
        this.patienceNanos = Math.max(1_000_000, redis.timeoutNanos() / 5);
    }

    /**
     * Decides a call as {@link RedisLayout#decide} does, in the next round trip for its bucket.
     *
     * @param deadline when the caller stops waiting, a {@link System#nanoTime()} reading
     */
    long decide(LimitKey key, long cost, long seed, long deadline) {
        layout.checkCost(key, cost);
        long start = System.nanoTime();
        if (start - aloneUntil < 0) {
            return decideAlone(key, cost, seed, deadline, start); // a batch was late lately: see the class comment
        }
        Call call = new Call(cost, seed);
        Lane lane;
        boolean lead;
        while (true) {
            lane = lanes.computeIfAbsent(key, Lane::new);
            synchronized (lane) {
                if (lane.closed) {
                    continue; // closed after we found it: open another
                }
                lead = !lane.busy;
                if (lead) {
                    lane.busy = true;
                } else if (lane.queued() < MAX_QUEUED) {
                    lane.enqueue(call);
                } else {
                    break; // full: on its own, below
                }
            }
            if (lead) {
                call.state.set(Call.SENT);
                send(lane, new Call[] {call});
            }
            return await(key, lane, call, deadline);
        }
        return layout.decide(key, cost, seed, deadline);
    }

    /** Decides a call on its own; one that comes back late keeps the store's calls on their own. */
    private long decideAlone(LimitKey key, long cost, long seed, long deadline, long start) {
        try {
            return layout.decide(key, cost, seed, deadline);
        } finally {
            long end = System.nanoTime();
            if (end - start > patienceNanos) {
                aloneUntil = end + ALONE_AFTER_LATE_NANOS;
            }
        }
    }

    /**
     * Waits for a call's answer until {@code deadline}; a call not answered within the patience
     * has the lane look for a sign of life first.
     */
    private long await(LimitKey key, Lane lane, Call call, long deadline) {
        long patience = Math.min(deadline, System.nanoTime() + patienceNanos) - System.nanoTime();
        if (patience > 0) {
            try {
                call.answer.get(patience, TimeUnit.NANOSECONDS);
            } catch (TimeoutException late) {
                hedge(lane);
            } catch (ExecutionException | InterruptedException | RuntimeException answered) {
                if (answered instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                // redis.await below reports it
            }
        }
        String answer;
        try {
            answer = redis.await(call.answer, deadline);
        } catch (StoreTimeoutException timeout) {
            if (call.state.compareAndSet(Call.QUEUED, Call.ABANDONED)) {
                throw StoreTimeoutException.after("Redis " + redis.maskedUrl() + " did not answer within "
                        + redis.timeout().toMillis() + " ms; this call was still queued behind another decision"
                        + " for its key and was not sent", redis.timeoutNanos(), redis.timeoutNanos());
            }
            call.state.set(Call.GONE); // sent: never sent again
            throw timeout;
        }
        return redis.decision(key, answer, call.seed);
    }

    /**
     * The batch in flight is late: asks Redis for a sign of life (one question at a time per lane),
     * and if it answers, sends beside it the calls still queued; never the late batch's own, which
     * Redis may still decide.
     */
    private void hedge(Lane lane) {
        synchronized (lane) {
            if (lane.probing || lane.closed) {
                return;
            }
            lane.probing = true;
        }
        RFuture<Long> alive;
        try {
            String name = layout.keysOf(lane.key).get(0);
            alive = redis.scripts().evalAsync(name, RScript.Mode.READ_WRITE, ALIVE, RScript.ReturnType.LONG,
                    List.of(name));
        } catch (RuntimeException e) {
            synchronized (lane) {
                lane.probing = false;
            }
            return;
        }
        alive.whenComplete((answer, failure) -> {
            Call[] batch;
            if (failure == null) {
                aloneUntil = System.nanoTime() + ALONE_AFTER_LATE_NANOS;
            }
            synchronized (lane) {
                lane.probing = false;
                batch = failure == null ? takeQueued(lane) : null;
            }
            if (batch != null && batch.length > 0) {
                sendBeside(lane, batch);
            }
        });
    }

    /** Sends {@code batch} beside the lane's late one: its answer goes to its callers alone. */
    private void sendBeside(Lane lane, Call[] batch) {
        try {
            layout.decideAsync(lane.key, costs(batch), batch[0].seed)
                    .whenComplete((text, failure) -> deliver(batch, text, failure));
        } catch (RuntimeException e) {
            for (Call call : batch) {
                call.answer.completeExceptionally(e);
            }
        }
    }

    private static long[] costs(Call[] batch) {
        long[] costs = new long[batch.length];
        for (int i = 0; i < batch.length; i++) {
            costs[i] = batch[i].cost;
        }
        return costs;
    }

    /** Under the lane's lock: up to {@value #MAX_BATCH} queued calls whose callers still wait, now sent. */
    private static Call[] takeQueued(Lane lane) {
        if (lane.queued() == 0) {
            return NONE;
        }
        List<Call> batch = new ArrayList<>(Math.min(MAX_BATCH, lane.queued()));
        Call call;
        while (batch.size() < MAX_BATCH && (call = lane.queue.poll()) != null) {
            if (call.state.compareAndSet(Call.QUEUED, Call.SENT)) {
                batch.add(call);
            }
        }
        return batch.toArray(new Call[0]);
    }

    /** Sends {@code batch} in one round trip; when it answers, the next batch of the lane. */
    private void send(Lane lane, Call[] batch) {
        RFuture<String> answer;
        try {
            answer = layout.decideAsync(lane.key, costs(batch), batch[0].seed);
        } catch (RuntimeException e) {
            for (Call call : batch) {
                call.answer.completeExceptionally(e);
            }
            next(lane);
            return;
        }
        answer.whenComplete((text, failure) -> {
            // A lone call with nothing queued behind it (a quiet key, or one caller asking again and
            // again) closes its lane before its caller wakes: the caller's next call finds nothing in
            // flight and goes at once, rather than wait for this thread to send it. A batch's callers
            // find the lane open, and those quick to ask again join the next batch.
            boolean closed = batch.length == 1 && closeIfIdle(lane);
            try {
                deliver(batch, text, failure);
            } finally {
                if (!closed) {
                    next(lane);
                }
            }
        });
    }

    /** Closes the lane if no call waits for its next batch; returns whether it did. */
    private boolean closeIfIdle(Lane lane) {
        synchronized (lane) {
            if (lane.queued() > 0) {
                return false;
            }
            close(lane);
            return true;
        }
    }

    /** Under the lane's lock: nothing in flight and nothing queued, so the lane is done with. */
    private void close(Lane lane) {
        lane.busy = false;
        lane.closed = true;
        lanes.remove(lane.key, lane);
    }

    /** Gives each call of a batch its own answer: its result, and the first the re-seed mark. */
    private static void deliver(Call[] batch, String text, Throwable failure) {
        if (failure != null || text == null) {
            for (Call call : batch) {
                if (failure != null) {
                    call.answer.completeExceptionally(failure);
                } else {
                    call.answer.complete(null);
                }
            }
            return;
        }
        boolean reseeded = text.endsWith(" s");
        String results = reseeded ? text.substring(0, text.length() - 2) : text;
        int from = 0;
        for (int i = 0; i < batch.length; i++) {
            int end = results.indexOf(',', from);
            String result = end < 0 ? results.substring(from) : results.substring(from, end);
            batch[i].answer.complete(i == 0 && reseeded ? result + " s" : result);
            from = end < 0 ? results.length() : end + 1;
        }
    }

    /** Sends the calls queued meanwhile, those whose callers still wait; closes the lane when none. */
    private void next(Lane lane) {
        Call[] batch;
        synchronized (lane) {
            batch = takeQueued(lane);
            if (batch.length == 0) {
                close(lane);
                return;
            }
        }
        send(lane, batch);
    }

    /** The calls of one bucket: one batch in flight at most, the calls waiting for the next. */
    private static final class Lane {
        final LimitKey key;
        ArrayDeque<Call> queue;  // under the lane's lock: made by the first call that queues (most lanes see none)
        boolean busy;    // under the lane's lock
        boolean closed;  // under the lane's lock: removed from the map, never used again
        boolean probing; // under the lane's lock: a sign of life asked for, not yet answered

        Lane(LimitKey key) {
            this.key = key;
        }

        /** Under the lane's lock: how many calls wait for the next batch. */
        int queued() {
            return queue == null ? 0 : queue.size();
        }

        /** Under the lane's lock: queues a call for the next batch. */
        void enqueue(Call call) {
            if (queue == null) {
                queue = new ArrayDeque<>();
            }
            queue.add(call);
        }
    }

    /**
     * One caller's call: its cost, its answer, and where it stands: queued, sent, given up on while
     * queued (never sent), or given up on once sent (never sent again).
     */
    private static final class Call {
        static final int QUEUED = 0;
        static final int SENT = 1;
        static final int ABANDONED = 2;
        static final int GONE = 3;

        final long cost;
        final long seed;
        final CompletableFuture<String> answer = new CompletableFuture<>();
        final AtomicInteger state = new AtomicInteger(QUEUED);

        Call(long cost, long seed) {
            this.cost = cost;
            this.seed = seed;
        }
    }
}
