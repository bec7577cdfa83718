package io.ratewarden.internal.call;

import io.ratewarden.Decision;
import io.ratewarden.LimitTier;
import io.ratewarden.internal.failover.InstanceStore;
import io.ratewarden.store.LimitKey;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.LockSupport;

/**
 * The limits of one call, asked together: all or nothing, and permits given back on a failure
 * their {@code refundOn} names. Stateless.
 */
final class SeveralLimits {

    private SeveralLimits() {
    }

    /** The limit that refused a call of several, and its decision. */
    record Refusal(int index, Decision decision) {
    }

    /** What {@link #decideJointly} answers when the store cannot decide the limits together. */
    private static final Refusal ASK_EACH = new Refusal(-1, null);

    /**
     * Asks every limit of a call, in order: {@code null} when all granted (the call is then
     * counted as permitted on each), else the first refusal. Where their store decides them
     * together ({@link #decideJointly}) a refused call took nothing; else what the limits before
     * the refusing one granted is given back at once.
     */
    static Refusal decide(LimitSpec[] specs, LimitTier[] tiers, String[] keys, CallRecord record) {
        TierGate[] gates = new TierGate[specs.length];
        for (int i = 0; i < specs.length; i++) {
            gates[i] = LimitGates.ofTier(tiers[i]);
        }
        Refusal joint = decideJointly(specs, tiers, gates, keys, record);
        if (joint != ASK_EACH) {
            return joint;
        }
        Decision[] granted = new Decision[specs.length];
        for (int i = 0; i < specs.length; i++) {
            LimitSpec spec = specs[i];
            Decision decision = gates[i].decide(keys[i], spec.cost(), spec.policy());
            if (record != null) {
                record.add(spec.name(), tiers[i].limit(), decision);
            }
            if (!decision.allowed()) {
                for (int j = i - 1; j >= 0; j--) {
                    gates[j].giveBack(keys[j], specs[j].cost(), granted[j], false);
                }
                return new Refusal(i, decision);
            }
            granted[i] = decision;
        }
        for (int i = 0; i < specs.length; i++) {
            gates[i].permitted(keys[i], granted[i]);
        }
        return null;
    }

    /**
     * Decides every limit of a call in one request to their store, where the store can (Redis with
     * the compact layout, while it decides): as {@link #decide}, else {@link #ASK_EACH}.
     */
    private static Refusal decideJointly(LimitSpec[] specs, LimitTier[] tiers, TierGate[] gates, String[] keys,
                                         CallRecord record) {
        InstanceStore store = gates[0].store();
        if (!store.decidesTogether()) {
            return ASK_EACH;
        }
        LimitKey[] buckets = new LimitKey[specs.length];
        long[] costs = new long[specs.length];
        for (int i = 0; i < specs.length; i++) {
            buckets[i] = gates[i].jointKey(keys[i]);
            if (buckets[i] == null || gates[i].store() != store) {
                return ASK_EACH;
            }
            costs[i] = specs[i].cost();
        }
        Decision[] decisions = store.tryAcquireTogether(buckets, costs);
        if (decisions == null) {
            return ASK_EACH;
        }
        for (int i = 0; i < specs.length; i++) {
            Decision decision = decisions[i];
            if (decision != null && !decision.allowed()) {
                Decision counted = gates[i].rejected(decision);
                if (counted.allowed()) {
                    return ASK_EACH; // shadow mode began meanwhile: nothing was taken, ask each limit
                }
                record(specs, tiers, decisions, i, record);
                return new Refusal(i, counted);
            }
        }
        record(specs, tiers, decisions, specs.length - 1, record);
        for (int i = 0; i < specs.length; i++) {
            gates[i].permitted(keys[i], decisions[i]);
        }
        return null;
    }

    /** Adds the decisions up to {@code last} to the request's record, if one is open. */
    private static void record(LimitSpec[] specs, LimitTier[] tiers, Decision[] decisions, int last,
                               CallRecord record) {
        if (record == null) {
            return;
        }
        for (int i = 0; i <= last; i++) {
            if (decisions[i] != null) {
                record.add(specs[i].name(), tiers[i].limit(), decisions[i]);
            }
        }
    }

    /**
     * Takes the permits of a synchronous call from every limit or from none, parking its thread
     * between attempts while the refusing limit's retry time fits that limit's wait (counted from
     * the first refusal): {@code null} when granted, else the last refusal.
     */
    static Refusal acquire(LimitSpec[] specs, LimitTier[] tiers, String[] keys, CallRecord record) {
        long start = 0;
        while (true) {
            Refusal refusal = decide(specs, tiers, keys, record);
            if (refusal == null) {
                return null;
            }
            LimitSpec spec = specs[refusal.index()];
            long pause = LimitGate.retryNanos(refusal.decision());
            if (spec.maxWaitNanos() > 0 && start == 0) {
                start = System.nanoTime();
            }
            if (spec.maxWaitNanos() == 0 || pause > start + spec.maxWaitNanos() - System.nanoTime()
                    || Thread.currentThread().isInterrupted()) {
                return refusal;
            }
            LockSupport.parkNanos(pause);
        }
    }

    /**
     * Gives a granted call's permits back to the limits whose {@code refundOn} names its failure (a
     * {@code CompletionException}'s cause for one), without failing; returns the failure.
     */
    static Throwable failed(LimitSpec[] specs, LimitTier[] tiers, String[] keys, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        for (int i = 0; i < specs.length; i++) {
            if (specs[i].refunds(cause)) {
                LimitGates.ofTier(tiers[i]).giveBack(keys[i], specs[i].cost(), null, true);
            }
        }
        return failure;
    }
}
