package io.ratewarden;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Every counter of one {@link Ratewarden} instance, read at one moment: what
 * {@link Ratewarden#metrics()} returns, and the one source of its MXBeans, its Micrometer meters
 * and the Spring Boot health component. Counters count from the instance's build and never
 * decrease.
 *
 * @param instance the instance's name
 * @param takenAt when the snapshot was read
 * @param store the store's report: backend, state, failovers, recoveries, last error
 * @param redisCalls Redis's answers to calls for permits, whatever the answer; calls that timed
 *     out or failed, and rejections from the over-limit cache, made no such answer; 0 without
 *     Redis
 * @param redisCallTime the total time of those answers, each from send to answer
 * @param cachedRejections calls the over-limit cache rejected without a round trip (a key Redis
 *     had rejected, until the time Redis gave for its next grant); counted as Redis's in the
 *     limits' counters
 * @param fallbackDecisions calls the failure policy decided because Redis could not (in memory,
 *     allowed or rejected as the policy says)
 * @param probesToRecover how many consecutive successful probes a recovery takes now (more
 *     after a failover soon after a recovery)
 * @param limits each limit defined so far, by name order
 */
public record Metrics(String instance, Instant takenAt, StoreInfo store, long redisCalls, Duration redisCallTime,
                      long cachedRejections, long fallbackDecisions, int probesToRecover,
                      List<LimitMetrics> limits) {

    /**
     * Validates and copies the snapshot.
     *
     * @throws NullPointerException if a reference is {@code null}
     */
    public Metrics {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(takenAt, "takenAt");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(redisCallTime, "redisCallTime");
        limits = List.copyOf(limits);
    }

    /**
     * Returns the calls permitted by every limit.
     *
     * @return the sum over {@link #limits()}
     */
    public long permitted() {
        return limits.stream().mapToLong(LimitMetrics::permitted).sum();
    }

    /**
     * Returns the calls rejected by every limit.
     *
     * @return the sum over {@link #limits()}
     */
    public long rejected() {
        return limits.stream().mapToLong(LimitMetrics::rejected).sum();
    }

    /**
     * Returns one limit's counters.
     *
     * @param name the limit's name
     * @return its counters, or empty if no limit of that name was defined when the snapshot was read
     */
    public Optional<LimitMetrics> limit(String name) {
        return limits.stream().filter(limit -> limit.name().equals(name)).findFirst();
    }

    /**
     * One limit's counters, by the backend that decided. A call a limit in shadow mode would
     * have rejected is counted as permitted and as shadow-rejected.
     *
     * @param name the limit's name
     * @param limit the limit in force (its override, if any)
     * @param shadow whether the limit is in shadow mode
     * @param permittedByRedis calls Redis permitted
     * @param permittedInMemory calls memory permitted
     * @param rejectedByRedis calls Redis (or the over-limit cache) rejected
     * @param rejectedInMemory calls memory rejected
     * @param shadowRejectedByRedis calls Redis would have rejected, let through in shadow mode
     * @param shadowRejectedInMemory calls memory would have rejected, let through in shadow mode
     * @param storeFailureRejected calls rejected because Redis could not decide them in time, under
     *     the {@code REJECT} failure policy: not the limit's rejections
     * @param nearLimit permitted calls that left at most a fifth of the limit's permits in their
     *     bucket, as their decision reported: the sign of a key nearing its limit
     */
    public record LimitMetrics(String name, Limit limit, boolean shadow, long permittedByRedis,
                               long permittedInMemory, long rejectedByRedis, long rejectedInMemory,
                               long shadowRejectedByRedis, long shadowRejectedInMemory,
                               long storeFailureRejected, long nearLimit) {

        /**
         * Validates the counters.
         *
         * @throws NullPointerException if {@code name} or {@code limit} is {@code null}
         */
        public LimitMetrics {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(limit, "limit");
        }

        /**
         * Creates the counters of a limit without a near-limit count (0), as before it was kept.
         *
         * @param name see the record's components
         * @param limit see the record's components
         * @param shadow see the record's components
         * @param permittedByRedis see the record's components
         * @param permittedInMemory see the record's components
         * @param rejectedByRedis see the record's components
         * @param rejectedInMemory see the record's components
         * @param shadowRejectedByRedis see the record's components
         * @param shadowRejectedInMemory see the record's components
         * @param storeFailureRejected see the record's components
         */
        public LimitMetrics(String name, Limit limit, boolean shadow, long permittedByRedis, long permittedInMemory,
                            long rejectedByRedis, long rejectedInMemory, long shadowRejectedByRedis,
                            long shadowRejectedInMemory, long storeFailureRejected) {
            this(name, limit, shadow, permittedByRedis, permittedInMemory, rejectedByRedis, rejectedInMemory,
                    shadowRejectedByRedis, shadowRejectedInMemory, storeFailureRejected, 0);
        }

        /**
         * Returns the calls permitted, by either backend.
         *
         * @return the calls permitted
         */
        public long permitted() {
            return permittedByRedis + permittedInMemory;
        }

        /**
         * Returns the calls rejected, by either backend.
         *
         * @return the calls rejected
         */
        public long rejected() {
            return rejectedByRedis + rejectedInMemory;
        }

        /**
         * Returns the calls let through in shadow mode that the limit would have rejected.
         *
         * @return those calls
         */
        public long shadowRejected() {
            return shadowRejectedByRedis + shadowRejectedInMemory;
        }

        /**
         * Returns the calls {@code backend} permitted.
         *
         * @param backend the backend, never {@code null}
         * @return the calls permitted
         */
        public long permitted(Backend backend) {
            return backend == Backend.REDIS ? permittedByRedis : permittedInMemory;
        }

        /**
         * Returns the calls {@code backend} rejected.
         *
         * @param backend the backend, never {@code null}
         * @return the calls rejected
         */
        public long rejected(Backend backend) {
            return backend == Backend.REDIS ? rejectedByRedis : rejectedInMemory;
        }

        /**
         * Returns the calls {@code backend} would have rejected, let through in shadow mode.
         *
         * @param backend the backend, never {@code null}
         * @return those calls
         */
        public long shadowRejected(Backend backend) {
            return backend == Backend.REDIS ? shadowRejectedByRedis : shadowRejectedInMemory;
        }
    }
}
