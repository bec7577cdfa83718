package io.ratewarden.internal.failover;

import io.ratewarden.store.StoreUnavailableException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * A {@link StoreUnavailableException} for a backend that sent no answer in time, as opposed to one
 * that answered with an error or whose connection broke: a slow reply, which alone is no proof of
 * an outage. The message is masked.
 */
public final class StoreTimeoutException extends StoreUnavailableException {

    private static final long serialVersionUID = 1L;

    private final long waitedNanos;
    private final boolean starved;
    private final transient CompletionStage<?> answer;

    private StoreTimeoutException(String maskedMessage, long waitedNanos, boolean starved, CompletionStage<?> answer) {
        super(maskedMessage);
        this.waitedNanos = waitedNanos;
        this.starved = starved;
        this.answer = answer;
    }

    /**
     * A wait of {@code waitedNanos} for an answer due within {@code timeoutNanos}. A thread that
     * woke more than half a timeout after its deadline was kept from the CPU: the answer may be
     * waiting unread on this side, so the timeout says nothing of the backend ({@link #starved()}).
     */
    public static StoreTimeoutException after(String maskedMessage, long waitedNanos, long timeoutNanos) {
        return after(maskedMessage, waitedNanos, timeoutNanos, null);
    }

    /**
     * {@link #after(String, long, long)} for a request whose answer may still come: {@code answer}
     * completes with it.
     */
    public static StoreTimeoutException after(String maskedMessage, long waitedNanos, long timeoutNanos,
                                       CompletionStage<?> answer) {
        return new StoreTimeoutException(maskedMessage, waitedNanos, waitedNanos - timeoutNanos > timeoutNanos / 2,
                answer);
    }

    /** A timeout reported by the client library itself, after the full timeout: no answer will come. */
    public static StoreTimeoutException reported(String maskedMessage, long timeoutNanos) {
        return new StoreTimeoutException(maskedMessage, timeoutNanos, false, null);
    }

    /**
     * Runs {@code listener}, on the client's thread, with the answer if the backend sends one after
     * all; never when it fails or sends none.
     */
    void onLateAnswer(Consumer<Object> listener) {
        if (answer != null) {
            answer.whenComplete((value, failure) -> {
                if (failure == null) {
                    listener.accept(value);
                }
            });
        }
    }

    /** How long the call waited, from its start to this exception. */
    long waitedNanos() {
        return waitedNanos;
    }

    /** Whether the waiting thread woke well after its deadline: no evidence against the backend. */
    boolean starved() {
        return starved;
    }
}
