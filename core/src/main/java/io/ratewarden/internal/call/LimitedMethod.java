package io.ratewarden.internal.call;

import io.ratewarden.LimitTier;
import io.ratewarden.Decision;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.Ratewarden;
import io.ratewarden.store.LimitKey;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The rate limits of one annotated method, resolved once per join point: what the aspect calls
 * on every execution. Not part of the API.
 *
 * <h2>Design</h2>
 * Everything that can be decided from the method alone (limit names, windows, key expressions,
 * the fallback method, whether the method is asynchronous) is read and validated once, when the
 * join point is first reached. An invalid annotation does not fail there: it fails every call of
 * its method with an {@link IllegalStateException}, so that one bad method never breaks class
 * loading or its neighbours. Per call, the method asks each limit in declaration order and stops
 * at the first rejection, giving back at once what the limits before it granted: a call takes
 * permits of all its limits or of none, and counts as permitted only once all granted it. A call
 * that waits holds no permit meanwhile: after the pause it asks every limit again. The
 * {@link Limiter}s are bound to the installed {@link Ratewarden} and
 * re-bound when another instance is installed; a method without key, fallback or asynchronous
 * return type allocates nothing on a grant (the aspect tells those apart at weave time).
 *
 * <p>This class is thread-safe.
 */
public final class LimitedMethod implements CallSteps {

    /**
     * What {@link #acquireOrFallback(Object, Object, Object)} returns for a granted call: an
     * object no fallback can return.
     */
    public static final Object GRANTED = KeylessCall.GRANTED;

    private final String id;
    private final LimitSpec[] specs;
    private final FallbackMethod fallback;
    private final boolean async;
    private final Reactive reactive; // null unless the method returns a Mono or a Flux
    private final boolean valid;
    private final List<String> problems;
    private final InstalledLimiters installed;
    private final KeylessCall keyless; // one valid limit without key or tier expression, else null
    private final CallKeys callKeys;
    private final boolean refunds; // whether any limit gives permits back on a failure

    private LimitedMethod(Method method, MethodLimits limits) {
        this.id = MethodLimits.methodId(method);
        this.specs = limits.specs.toArray(new LimitSpec[0]);
        this.fallback = limits.fallback;
        this.problems = List.copyOf(limits.problems);
        this.valid = problems.isEmpty();
        this.installed = new InstalledLimiters(id, specs, problems);
        this.callKeys = new CallKeys(id, specs);
        this.keyless = valid && specs.length == 1 && specs[0].keyFunction() == null && specs[0].tierFunction() == null
                ? new KeylessCall(specs[0], installed) : null;
        this.refunds = valid && limits.specs.stream().anyMatch(spec -> !spec.refundOn().isEmpty());
        Class<?> returnType = method.getReturnType();
        this.reactive = Reactive.of(returnType);
        this.async = reactive != null || (CompletionStage.class.isAssignableFrom(returnType)
                && returnType.isAssignableFrom(CompletableFuture.class));
    }

    /**
     * Reads and validates the annotations of {@code method}. Never throws for an invalid
     * annotation: see {@link #problems()}.
     *
     * @param method a method carrying {@code @RateLimited}
     * @return its limits
     */
    public static LimitedMethod of(Method method) {
        return new LimitedMethod(method, MethodLimits.read(method));
    }

    /**
     * Returns the name of a limit its annotation does not name: {@code declaringClass#method(paramTypes)}.
     *
     * @param method the annotated method
     * @return the default name
     */
    public static String defaultName(Method method) {
        return MethodLimits.methodId(method);
    }

    /**
     * Returns what is wrong with the method's annotations, each naming the attribute; empty when
     * they are valid.
     *
     * @return the problems, never {@code null}
     */
    public List<String> problems() {
        return problems;
    }

    /**
     * Returns whether the method returns a {@code CompletionStage}, a {@code CompletableFuture},
     * a Reactor {@code Mono} or {@code Flux}, and so is decided by
     * {@link #invokeAsync(Object, Object[], Proceed)}.
     *
     * @return whether the method is asynchronous
     */
    public boolean isAsync() {
        return valid && async;
    }

    /**
     * Takes the permits of a call whose limits need no key, waiting up to each limit's
     * {@code maxWaitMillis}.
     *
     * @throws RateLimitExceededException when a limit rejects the call
     * @throws IllegalStateException when the annotations are invalid
     */
    public void acquire() {
        if (keyless != null) {
            keyless.acquire();
            return;
        }
        RateLimitExceededException rejection = tryAcquire(null, null, null, null);
        if (rejection != null) {
            throw rejection;
        }
    }

    /**
     * As {@link #acquire()}, for a caller that throws the rejection itself, so that a rejection
     * caught near the call is a jump in compiled code: {@code null} when granted, else the
     * rejection to throw. Allocates nothing for one limit without key (rejections that get the
     * same answer share one exception); other methods throw as {@link #acquire()} does.
     *
     * @return {@code null}, or the rejection to throw
     * @throws RateLimitExceededException when a limit of a method with several rejects the call
     * @throws IllegalStateException when the annotations are invalid
     */
    public RateLimitExceededException acquireOrRejection() {
        if (keyless != null) {
            long result = keyless.decide();
            return result == 0 ? null : keyless.rejection(result);
        }
        acquire();
        return null;
    }

    /**
     * Takes the permits of a call of a method with one or two parameters whose keys are
     * expressions, given the arguments themselves (no array, no join point).
     *
     * @param a0 the first argument
     * @param a1 the second argument, or {@code null} for a method of one parameter
     * @throws RateLimitExceededException when a limit rejects the call
     * @throws IllegalStateException when the annotations are invalid
     */
    public void acquire(Object a0, Object a1) {
        RateLimitExceededException rejection = tryAcquire(null, null, a0, a1);
        if (rejection != null) {
            throw rejection;
        }
    }

    /**
     * Takes the permits of a call, waiting (parking this thread) up to each limit's
     * {@code maxWaitMillis}.
     *
     * @param target the object the method runs on, or {@code null}
     * @param args the call's arguments, or {@code null} when no key needs them
     * @return {@code null} when granted, else the rejection to throw or pass to the fallback
     * @throws IllegalStateException when the annotations are invalid
     */
    public RateLimitExceededException tryAcquire(Object target, Object[] args) {
        return tryAcquire(target, args, null, null);
    }

    private RateLimitExceededException tryAcquire(Object target, Object[] args, Object a0, Object a1) {
        Limiter[] limiters = installed.current();
        CallRecord record = CallRecord.current();
        if (specs.length > 1) {
            return tryAcquireAll(limiters, record, target, args, a0, a1);
        }
        LimitSpec spec = specs[0];
        String key = callKeys.key(spec.keyFunction(), spec, target, args, a0, a1);
        LimitTier tier = callKeys.tier(limiters[0], spec, target, args, a0, a1);
        Decision decision = decideOne(tier, key, record);
        return decision.allowed() ? null : rejection(spec, tier, key, decision);
    }

    /** Decides a call of one limit, waiting (parking this thread) up to its {@code maxWaitMillis}. */
    private Decision decideOne(LimitTier tier, String key, CallRecord record) {
        LimitSpec spec = specs[0];
        Decision decision = askOne(tier, key, record);
        if (decision.allowed() || spec.maxWaitNanos() == 0) {
            return decision;
        }
        Decision waited = Waits.waitFor(tier, spec, key, System.nanoTime() + spec.maxWaitNanos(),
                LimitGate.retryNanos(decision));
        return waited != null ? waited : decision;
    }

    /** Asks the one limit once, without waiting, and records the decision when a record is open. */
    private Decision askOne(LimitTier tier, String key, CallRecord record) {
        LimitSpec spec = specs[0];
        Decision decision = tier.tryAcquire(key, spec.cost(), spec.policy());
        if (record != null) {
            record.add(spec.name(), tier.limit(), decision);
        }
        return decision;
    }

    /** A call of several limits: all or nothing, parking between attempts as its waits allow. */
    private RateLimitExceededException tryAcquireAll(Limiter[] limiters, CallRecord record, Object target,
                                                     Object[] args, Object a0, Object a1) {
        LimitTier[] tiers = callKeys.tiers(limiters, target, args, a0, a1);
        String[] keys = callKeys.keys(target, args, a0, a1);
        SeveralLimits.Refusal refusal = SeveralLimits.acquire(specs, tiers, keys, record);
        return refusal == null ? null : rejection(specs[refusal.index()], tiers[refusal.index()],
                keys[refusal.index()], refusal.decision());
    }

    /**
     * Gives the permits of a granted call back to the limits whose {@code refundOn} names its
     * failure, and returns the failure to throw. Never fails itself: a refund the backend could not
     * make is said at DEBUG; keys that cannot be computed again keep their permits.
     *
     * @param target the object the method runs on, or {@code null}
     * @param args the call's arguments, or {@code null} when the keys take {@code a0} and {@code a1}
     * @param a0 the first argument, when {@code args} is {@code null}
     * @param a1 the second argument, when {@code args} is {@code null}
     * @param failure what the method threw
     * @return {@code failure}
     */
    public Throwable failed(Object target, Object[] args, Object a0, Object a1, Throwable failure) {
        if (!refunds) {
            return failure;
        }
        try {
            return SeveralLimits.failed(specs, callKeys.tiers(installed.current(), target, args, a0, a1),
                    callKeys.keys(target, args, a0, a1), failure);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
            return failure;
        }
    }

    /** As {@link #failed(Object, Object[], Object, Object, Throwable)}, for a call whose tiers and keys are known. */
    @Override
    public Throwable failed(LimitTier[] tiers, String[] keys, Throwable failure) {
        return refunds ? SeveralLimits.failed(specs, tiers, keys, failure) : failure;
    }

    /** Whether a failure of the method may give permits back: some limit names failures in {@code refundOn}. */
    @Override
    public boolean refunds() {
        return refunds;
    }

    /**
     * Decides a call of a synchronous method with one limit, a {@code fallbackMethod} and at most
     * two parameters, given the arguments themselves: returns {@link #GRANTED} when the call may
     * run, else the fallback's result. Allocates nothing itself beyond the key and, for a
     * fallback that takes it, the exception.
     *
     * @param target the object the method runs on, or {@code null} for a static method
     * @param a0 the first argument, or {@code null} for a method without parameters
     * @param a1 the second argument, or {@code null} for a method of fewer than two
     * @return {@link #GRANTED}, or what the fallback returned
     * @throws IllegalStateException when the annotations are invalid
     * @throws RuntimeException what the fallback threw, rethrown as it is even when checked
     */
    public Object acquireOrFallback(Object target, Object a0, Object a1) {
        if (keyless != null) {
            return keyless.acquireOrFallback(fallback, target, a0, a1);
        }
        LimitSpec spec = specs[0];
        String key = callKeys.key(spec.keyFunction(), spec, target, null, a0, a1);
        LimitTier tier = callKeys.tier(installed.current()[0], spec, target, null, a0, a1);
        Decision decision = decideOne(tier, key, CallRecord.current());
        if (decision.allowed()) {
            return GRANTED;
        }
        RateLimitExceededException rejection = fallback.takesException()
                ? rejection(spec, tier, key, decision) : null;
        try {
            return fallback.invoke(target, a0, a1, rejection);
        } catch (Throwable failure) {
            throw KeylessCall.<RuntimeException>rethrow(failure);
        }
    }

    /**
     * Handles a rejected synchronous call: calls the fallback method, or throws.
     *
     * @param target the object the method runs on, or {@code null}
     * @param args the call's arguments
     * @param rejection the rejection
     * @return the fallback's result
     * @throws Throwable the rejection when there is no fallback, or what the fallback threw
     */
    public Object rejected(Object target, Object[] args, RateLimitExceededException rejection) throws Throwable {
        if (fallback == null) {
            throw rejection;
        }
        return fallback.invoke(target, args, rejection);
    }

    /**
     * Decides a call of an asynchronous method: runs it at once when granted; otherwise waits
     * without blocking the caller (up to {@code maxWaitMillis}) and runs it from another thread;
     * returns a failed future, or the fallback's result, when the call is rejected. A method
     * returning a {@code Mono} or a {@code Flux} gets one that takes its permits when subscribed,
     * once per subscription, and signals a rejection as an error.
     *
     * @param target the object the method runs on, or {@code null}
     * @param args the call's arguments
     * @param proceed runs the method's body
     * @return the method's result, or a future standing in for it
     * @throws Throwable what the method or its fallback threw synchronously
     */
    public Object invokeAsync(Object target, Object[] args, Proceed proceed) throws Throwable {
        if (reactive != null) {
            return ReactiveCall.of(this, reactive == Reactive.FLUX, target, args, proceed);
        }
        return new AsyncCall(this, tiersOf(target, args), keysOf(target, args), target, args, proceed)
                .attempt(System.nanoTime());
    }

    /** The keys of a call, one per limit. */
    @Override
    public String[] keysOf(Object target, Object[] args) {
        return callKeys.keys(target, args, null, null);
    }

    /** The tiers of a call, one per limit, on the limiters bound now. */
    @Override
    public LimitTier[] tiersOf(Object target, Object[] args) {
        return callKeys.tiers(installed.current(), target, args, null, null);
    }

    /**
     * Asks the limits, in order, without waiting (all or nothing), for a call that started at
     * {@code start}; records each decision in {@code record} when there is one.
     *
     * @return {@code null} when every limit granted, a {@link Pause} when a limit rejected but its
     *     retry time fits the call's wait, else the {@link RateLimitExceededException}, or
     *     {@link #UNOBSERVED_REJECTION} when the fallback takes none
     */
    @Override
    public Object step(LimitTier[] tiers, String[] keys, long start, CallRecord record) {
        int index = 0;
        Decision decision;
        if (specs.length > 1) {
            SeveralLimits.Refusal refusal = SeveralLimits.decide(specs, tiers, keys, record);
            if (refusal == null) {
                return null;
            }
            index = refusal.index();
            decision = refusal.decision();
        } else {
            decision = askOne(tiers[0], keys[0], record);
            if (decision.allowed()) {
                return null;
            }
        }
        LimitSpec spec = specs[index];
        long pause = LimitGate.retryNanos(decision);
        if (pause <= start + spec.maxWaitNanos() - System.nanoTime()) {
            return new Pause(pause); // holding nothing meanwhile: every limit is asked again
        }
        return fallback != null && !fallback.takesException() ? UNOBSERVED_REJECTION
                : rejection(spec, tiers[index], keys[index], decision);
    }

    /** Whether a rejection calls a fallback method instead of failing. */
    @Override
    public boolean hasFallback() {
        return fallback != null;
    }

    /** Calls the fallback method for a rejected call; see {@link #hasFallback()}. */
    @Override
    public Object fallback(Object target, Object[] args, RateLimitExceededException rejection) throws Throwable {
        return fallback.invoke(target, args, rejection);
    }

    private RateLimitExceededException rejection(LimitSpec spec, LimitTier tier, String key, Decision decision) {
        LimitKey rejected = LimitKey.of(spec.name(), tier.name(), tier.limit(), key);
        return installed.firstGate().rejection(rejected, LimitGate.retryNanos(decision), decision.storeFailure());
    }

    @Override
    public String toString() {
        return "LimitedMethod[" + id + "]";
    }
}
