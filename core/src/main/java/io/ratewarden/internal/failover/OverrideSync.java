package io.ratewarden.internal.failover;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this instance knows of the overrides kept on Redis, and what it does when Redis loses them.
 *
 * <h2>Design</h2>
 * The overrides' hash carries an epoch, a random id written with the hash's first field. Every
 * heartbeat reads the hash whole. While the epoch is the one heard before, the hash is the truth:
 * what it holds is applied, what it lost was cleared or has expired. When the epoch changed or
 * vanished, Redis lost the hash (a restart without persistence, a flush, an eviction): what was
 * heard is not the truth, nothing is cleared locally, and the instance writes back every override
 * and every clear it holds that has not expired, each only where the hash lacks a later write of
 * that field (versions are the Redis clock at the write), so that instances restoring at once, or
 * after an operator's newer write, never bring back a stale value. One WARN says so. This class is
 * thread-safe.
 */
final class OverrideSync {

    /** The hash field that holds the epoch: escaped limit names never contain a colon. */
    static final String EPOCH_FIELD = OverrideFields.EPOCH;

    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.redis");

    private final String instanceName;
    private final String maskedUrl;
    private boolean heardOnce;
    private String epoch;
    private final Map<String, Held> held = new HashMap<>(); // by field: what this instance holds

    private record Held(StoredOverride stored, long deadlineNanos) {
    }

    /**
     * @param instanceName the instance's name, for the log
     * @param maskedUrl the Redis address, masked, for the log
     */
    OverrideSync(String instanceName, String maskedUrl) {
        this.instanceName = instanceName;
        this.maskedUrl = maskedUrl;
    }

    /**
     * Takes in what a heartbeat read.
     *
     * @param heard the hash as read, or {@code null} when the backend keeps no overrides
     * @param nowNanos a {@link System#nanoTime()} reading taken with the heartbeat
     * @return the overrides and clears to apply, by limit and tier; or {@code null} when nothing is to be
     *     applied now, either because the backend keeps none or because Redis lost the hash and
     *     {@link #toRestore} must be written back first
     */
    synchronized Map<String, Map<String, OverrideInForce>> heard(Heartbeats.HeardOverrides heard, long nowNanos) {
        if (heard == null) {
            return null;
        }
        if (lost(heard, nowNanos)) {
            return null;
        }
        heardOnce = true;
        epoch = heard.epoch();
        Map<String, Held> now = new HashMap<>();
        Map<String, Map<String, OverrideInForce>> inForce = new HashMap<>();
        heard.fields().forEach((field, stored) -> {
            Held before = held.get(field);
            long deadline = before != null && before.stored().equals(stored) ? before.deadlineNanos()
                    : deadline(stored, heard.redisNowMillis(), nowNanos);
            if (deadline - nowNanos <= 0) {
                return; // ended, and the next heartbeat's read drops it
            }
            now.put(field, new Held(stored, deadline));
            String[] limitAndTier = OverrideFields.parse(field);
            inForce.computeIfAbsent(limitAndTier[0], n -> new HashMap<>())
                    .put(limitAndTier[1], new OverrideInForce(stored.limit(), stored.version(), deadline));
        });
        held.clear();
        held.putAll(now);
        return inForce;
    }

    /** Whether a heartbeat's read shows that Redis lost the hash this instance holds overrides of. */
    synchronized boolean lost(Heartbeats.HeardOverrides heard, long nowNanos) {
        // "" is a hash written before epochs existed: its first epoch is no loss.
        return heard != null && heardOnce && !Objects.equals(heard.epoch(), epoch) && !"".equals(epoch)
                && !toRestore(nowNanos).isEmpty();
    }

    /** The overrides and clears this instance holds that have not ended, by field, to write back. */
    synchronized Map<String, StoredOverride> toRestore(long nowNanos) {
        Map<String, StoredOverride> restore = new LinkedHashMap<>();
        held.forEach((field, value) -> {
            if (value.deadlineNanos() - nowNanos > 0) {
                restore.put(field, value.stored());
            }
        });
        return restore;
    }

    /**
     * Redis holds the hash again, with {@code restoredEpoch}, after this instance wrote back
     * {@code restored}: says so once at WARN, and from the next heartbeat on applies the hash.
     */
    synchronized void restored(String restoredEpoch, Map<String, StoredOverride> restored) {
        epoch = restoredEpoch;
        StringJoiner what = new StringJoiner(", ");
        restored.forEach((field, stored) -> {
            String[] limitAndTier = OverrideFields.parse(field);
            what.add("limit '" + limitAndTier[0] + "'" + (limitAndTier[1].isEmpty() ? "" : " tier '" + limitAndTier[1]
                    + "'") + (stored.cleared() ? " cleared" : " " + stored.limit()));
        });
        LOG.warn("Ratewarden '{}': Redis {} lost the limits' overrides (a restart without persistence, a flush or an"
                + " eviction); restored what this instance held: {}", instanceName, maskedUrl, what);
    }

    /**
     * This instance wrote {@code stored} to {@code field}: held from now on, as if heard. When no
     * hash was heard before, the write made it (or it came meanwhile): its epoch is the one to know.
     */
    synchronized void stored(String field, StoredOverride stored, long deadlineNanos, String writtenEpoch) {
        held.put(field, new Held(stored, deadlineNanos));
        if (epoch == null) {
            epoch = writtenEpoch;
        }
    }

    /** When {@code stored} ends on this instance's clock, from the Redis clock's reading with it. */
    static long deadline(StoredOverride stored, long redisNowMillis, long nowNanos) {
        if (stored.expiresAtMillis() <= 0) {
            return OverrideInForce.NEVER;
        }
        long leftMillis = stored.expiresAtMillis() - redisNowMillis;
        return nowNanos + Math.max(0, leftMillis) * 1_000_000L;
    }
}
