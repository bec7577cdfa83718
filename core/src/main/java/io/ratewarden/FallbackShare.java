package io.ratewarden;

import java.util.Objects;

/**
 * How much of each limit one instance admits on its own while Redis cannot decide (with
 * {@link FailurePolicy#FALLBACK_LOCAL}).
 *
 * <p>N instances that each fall back with the full limit admit up to N times the limit between
 * them. A share divides the limit instead: each instance admits {@code ceil(permits / n)} per
 * window (and at least the cost of the call in hand, so that an expensive call can still pass
 * once per window).
 *
 * <ul>
 *   <li>{@link #full()}: every instance keeps the whole limit;</li>
 *   <li>{@link #divideBy(int)}: a fixed number of instances;</li>
 *   <li>{@link #liveInstances()} (the default): the number of instances that were alive on Redis
 *       just before it failed, counted by their heartbeats.</li>
 * </ul>
 * With a share that divides the limit, a key that Redis rejected within the window before it
 * failed was full across all instances: on such a key each instance admits, until one window
 * after the failure, no more than the grants it held at the failure (and no more than its share),
 * so that instances that had received less than their share do not add the difference to a full
 * window. {@link #full()} is not capped.
 * Instances are immutable and thread-safe.
 */
public final class FallbackShare {

    private static final FallbackShare FULL = new FallbackShare(Kind.FULL, 1);
    private static final FallbackShare LIVE = new FallbackShare(Kind.LIVE_INSTANCES, 0);

    private enum Kind { FULL, DIVIDE_BY, LIVE_INSTANCES }

    private final Kind kind;
    private final int divisor;

    private FallbackShare(Kind kind, int divisor) {
        this.kind = kind;
        this.divisor = divisor;
    }

    /**
     * Every instance keeps the full limit during an outage: N instances admit up to N times the
     * limit. Right when one instance receives all the traffic of a key (sticky routing).
     *
     * @return the full share
     */
    public static FallbackShare full() {
        return FULL;
    }

    /**
     * Every instance admits {@code ceil(permits / instances)} per window during an outage.
     *
     * @param instances the number of instances sharing the limit, at least 1
     * @return the share
     * @throws IllegalArgumentException if {@code instances} is below 1
     */
    public static FallbackShare divideBy(int instances) {
        if (instances < 1) {
            throw new IllegalArgumentException("instances must be at least 1, was " + instances);
        }
        return new FallbackShare(Kind.DIVIDE_BY, instances);
    }

    /**
     * Every instance admits {@code ceil(permits / n)} per window during an outage, where n is the
     * number of instances whose heartbeat was on Redis at this instance's last successful probe.
     * An instance that never reached Redis keeps the full limit.
     *
     * @return the live-instances share
     */
    public static FallbackShare liveInstances() {
        return LIVE;
    }

    /**
     * Reads a share as the {@code ratewarden.fallbackShare} setting writes it: {@code full},
     * {@code liveInstances} (also {@code live-instances} or {@code live}, in any case), or a
     * whole number n for {@link #divideBy(int) divideBy(n)}.
     *
     * @param text the share, never {@code null}
     * @return the share
     * @throws IllegalArgumentException if {@code text} is none of these; the message does not
     *     repeat the text
     */
    public static FallbackShare parse(String text) {
        String normal = text.trim().toLowerCase(java.util.Locale.ROOT).replace("-", "").replace("_", "");
        switch (normal) {
            case "full":
                return full();
            case "liveinstances":
            case "live":
                return liveInstances();
            default:
                int instances;
                try {
                    instances = Integer.parseInt(normal);
                } catch (NumberFormatException e) {
                    instances = 0;
                }
                if (instances < 1) {
                    throw new IllegalArgumentException("expected full, liveInstances or a number of instances");
                }
                return divideBy(instances);
        }
    }

    /**
     * Returns the permits one instance admits per window.
     *
     * @param permits the limit's permits
     * @param liveInstances the instances counted at the last probe, or 0 when unknown
     * @return the instance's share, between 1 and {@code permits}
     */
    public long permitsPerInstance(long permits, int liveInstances) {
        int n = switch (kind) {
            case FULL -> 1;
            case DIVIDE_BY -> divisor;
            case LIVE_INSTANCES -> Math.max(1, liveInstances);
        };
        return Math.max(1, (permits + n - 1) / n);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FallbackShare share && share.kind == kind && share.divisor == divisor;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, divisor);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case FULL -> "FallbackShare.full()";
            case DIVIDE_BY -> "FallbackShare.divideBy(" + divisor + ")";
            case LIVE_INSTANCES -> "FallbackShare.liveInstances()";
        };
    }
}
