package io.ratewarden.internal.call;

import io.ratewarden.Decision;
import io.ratewarden.LimitTier;
import java.util.concurrent.locks.LockSupport;

/** How a rejected synchronous call waits for its limit, parking its thread. Stateless. */
final class Waits {

    private Waits() {
    }

    /**
     * Asks again after each retry time while it fits before {@code deadline}, starting with a
     * pause of {@code pauseNanos}: the last decision, or {@code null} when the first pause did not
     * fit (nothing was asked).
     */
    static Decision waitFor(LimitTier limiter, LimitSpec spec, String key, long deadline, long pauseNanos) {
        Decision decision = null;
        long pause = pauseNanos;
        while (true) {
            long remaining = deadline - System.nanoTime();
            if (pause > remaining || Thread.currentThread().isInterrupted()) {
                return decision;
            }
            LockSupport.parkNanos(Math.max(pause, 1));
            decision = limiter.tryAcquire(key, spec.cost(), spec.policy());
            if (decision.allowed()) {
                return decision;
            }
            pause = decision.retryAfter().toNanos();
        }
    }
}
