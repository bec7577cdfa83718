package io.ratewarden.internal.failover;

import io.ratewarden.store.LimitKey;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says that Redis lost buckets this instance re-created from its own grants: one WARN when it
 * first happens, then at most one a minute, counting the buckets re-created since (a flush of a
 * busy Redis re-creates many at once: one cause, one line); each at DEBUG. Never names a key. This
 * class is thread-safe.
 */
final class ReseedLog {

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.redis");
    private static final long INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final String instanceName;
    private final String maskedUrl;
    private final LongAdder sinceLastWarning = new LongAdder();
    private final AtomicLong warnedAt = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);

    ReseedLog(String instanceName, String maskedUrl) {
        this.instanceName = instanceName;
        this.maskedUrl = maskedUrl;
    }

    /** Redis re-created {@code key}'s bucket from the {@code grants} this instance holds of it. */
    void reseeded(LimitKey key, long grants) {
        sinceLastWarning.increment();
        long now = System.nanoTime();
        long last = warnedAt.get();
        if (now - last >= INTERVAL_NANOS && warnedAt.compareAndSet(last, now)) {
            LOG.warn("Ratewarden '{}': Redis {} had lost the state of {} bucket(s) this instance holds grants of (a flush,"
                    + " an eviction or a restart without persistence), limit '{}' among them; re-created each from this"
                    + " instance's grants in its window, so the limit holds for them. Grants other instances made in"
                    + " that window are not counted again (docs/scaling.md). Said again at most once a minute.",
                    instanceName, maskedUrl, sinceLastWarning.sumThenReset(), key.limitName());
        } else if (LOG.isDebugEnabled()) {
            LOG.debug("Ratewarden '{}': Redis {} re-created a bucket of limit '{}' from this instance's {} grants",
                    instanceName, maskedUrl, key.limitName(), grants);
        }
    }
}
