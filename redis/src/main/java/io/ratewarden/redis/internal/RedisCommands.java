package io.ratewarden.redis.internal;

import io.ratewarden.internal.failover.KeyDataException;
import io.ratewarden.internal.failover.StoreTimeoutException;
import io.ratewarden.store.LimitKey;
import io.ratewarden.store.StoreUnavailableException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.redisson.api.RFuture;
import org.redisson.api.RScript;
import org.redisson.api.options.OptionalOptions;
import org.redisson.client.RedisTimeoutException;
import org.redisson.client.codec.StringCodec;

/**
 * How Ratewarden waits for Redis: one connection, one timeout, and the translation of Redisson's
 * outcomes into this package's exceptions, shared by the decisions ({@link RedisRateLimitStore})
 * and the heartbeat ({@link RedisInstances}).
 *
 * <p>Every command runs with no Redisson retries (a re-sent {@code tryAcquire} would consume
 * permits twice once Redis answers) and a Redisson timeout of three times the call's, so that an
 * answer that comes after its caller stopped waiting still arrives: it proves Redis alive, a slow
 * reply rather than a hung server, and is reported to {@link #onLateAnswer}. This class is
 * thread-safe.
 */
final class RedisCommands {

    private static final String WRONG_TYPE = "WRONGTYPE";

    private final RedisConnection connection;
    private final Duration timeout;
    private final long timeoutNanos;
    private final Duration answerTimeout;
    private volatile RScript scripts;
    private volatile Runnable lateAnswers = () -> { };
    private volatile BiConsumer<LimitKey, Long> reseeds = (key, seed) -> { };

    /**
     * @param connection the connection, whose client is created on first use
     * @param timeout the longest a call waits, at least 1 ms (the builder validates it)
     */
    RedisCommands(RedisConnection connection, Duration timeout) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.timeout = Objects.requireNonNull(timeout, "redisTimeout");
        this.timeoutNanos = timeout.toNanos();
        this.answerTimeout = timeout.multipliedBy(3).compareTo(timeout.plusMillis(200)) > 0
                ? timeout.multipliedBy(3) : timeout.plusMillis(200);
    }

    RedisConnection connection() {
        return connection;
    }

    Duration timeout() {
        return timeout;
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    /** How long Redisson itself waits for an answer: longer than a caller, see the class comment. */
    Duration answerTimeout() {
        return answerTimeout;
    }

    String maskedUrl() {
        return connection.maskedUrl();
    }

    /** The handle of scripts with string arguments, made on first use: the client is created lazily. */
    RScript scripts() {
        RScript current = scripts;
        if (current == null) {
            current = connection.client().getScript(
                    OptionalOptions.defaults().codec(StringCodec.INSTANCE).timeout(answerTimeout).retryAttempts(0));
            scripts = current;
        }
        return current;
    }

    /**
     * A handle of scripts with string arguments whose commands Redisson waits for up to
     * {@code wait} (and a little more): for an operator's call that may wait longer than a decision.
     */
    RScript scripts(Duration wait) {
        return connection.client().getScript(OptionalOptions.defaults().codec(StringCodec.INSTANCE)
                .timeout(wait.plusMillis(200)).retryAttempts(0));
    }

    /** Sets what hears of a bucket re-created from this instance's grants: its key and the grants. */
    void onReseed(BiConsumer<LimitKey, Long> listener) {
        this.reseeds = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Reads the number of a decision's answer, as Redis sent it (text, or a number), without
     * anything else: for an answer that arrived after its caller stopped waiting.
     *
     * @return the permits left (0 or more) for a grant, a negative number for a rejection or an
     *     answer that is not a decision's
     */
    static long resultOf(Object answer) {
        if (answer instanceof Number number) {
            return number.longValue();
        }
        if (answer instanceof String text) {
            int end = text.indexOf(' ');
            try {
                return Long.parseLong(end < 0 ? text : text.substring(0, end));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Reads a decision script's text answer: the number, followed by {@code " s"} when the script
     * re-created the bucket from the {@code seed} grants sent with it, which the listener hears of.
     *
     * @throws StoreUnavailableException for an answer this version cannot read
     */
    long decision(LimitKey key, String answer, long seed) {
        if (answer == null) {
            throw new StoreUnavailableException("Redis " + connection.maskedUrl() + " answered a decision with nothing");
        }
        try {
            if (answer.endsWith(" s")) {
                long result = Long.parseLong(answer, 0, answer.length() - 2, 10);
                reseeds.accept(key, seed);
                return result;
            }
            return Long.parseLong(answer);
        } catch (NumberFormatException e) {
            throw new StoreUnavailableException("Redis " + connection.maskedUrl() + " answered a decision this version"
                    + " cannot read");
        }
    }

    /** Sets what runs, on a Redisson thread, when Redis answers after its caller stopped waiting. */
    void onLateAnswer(Runnable listener) {
        this.lateAnswers = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Waits for {@code future} until {@code deadline} (a {@link System#nanoTime()} reading).
     *
     * @throws StoreTimeoutException when no answer came in time
     * @throws KeyDataException when the key holds data of another type
     * @throws StoreUnavailableException for any other failure, masked
     */
    <T, F extends Future<T> & CompletionStage<T>> T await(F future, long deadline) {
        try {
            return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            future.whenComplete((answer, failure) -> {
                if (failure == null) {
                    lateAnswers.run();
                }
            });
            throw StoreTimeoutException.after("Redis " + connection.maskedUrl() + " did not answer within "
                    + timeout.toMillis() + " ms", System.nanoTime() - (deadline - timeoutNanos), timeoutNanos, future);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RedisTimeoutException) { // Redisson's own timeout, its response one included
                throw StoreTimeoutException.reported(connection.secrets().describe(cause), timeoutNanos);
            }
            String message = String.valueOf(cause.getMessage());
            if (message.contains(WRONG_TYPE)) {
                throw new KeyDataException(connection.secrets().describe(cause));
            }
            throw new StoreUnavailableException(connection.secrets().describe(cause));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while waiting for Redis " + connection.maskedUrl());
        } catch (RuntimeException e) {
            throw new StoreUnavailableException(connection.secrets().describe(e));
        }
    }

    /** A failure described for operators, masked. */
    String describe(Throwable failure) {
        return connection.secrets().describe(failure);
    }

    /** Closes the connection (a client passed in by the user stays open). */
    void close() {
        connection.close();
    }
}
