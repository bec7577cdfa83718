package io.ratewarden.aspectj;

import io.ratewarden.RateLimitExceededException;
import io.ratewarden.internal.call.LimitedMethod;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.aspectj.lang.JoinPoint;
import org.aspectj.lang.reflect.MethodSignature;

/**
 * The {@link LimitedMethod} of each woven join point, resolved on first use and kept for the
 * life of the woven class.
 *
 * <p>Two structures, one for ownership and one for speed:
 * <ul>
 *   <li>the owner is a {@link ClassValue} on the woven class, holding its join points' limits by
 *       the id ajc numbers from 0 within each woven type; it keeps each {@link LimitedMethod}
 *       exactly as long as the class lives, so that unloading a woven class (a redeployed web
 *       application) frees its limits, whichever class loader loaded this aspect;</li>
 *   <li>the index, asked on every call, is an open-addressed table from the join point's static
 *       part (by identity) to its limits, both held weakly so that the index never keeps a class
 *       alive. A hit costs an identity hash, an array read and two reference reads, where the
 *       class value costs a chain of about ten dependent reads, on every call of a method whose
 *       whole cost is a few such reads (docs/benchmarks.md has the woven call's cost).</li>
 * </ul>
 * The index is written under a lock and read without one; its entries are immutable, and a
 * reader that misses an entry takes the lock.
 */
final class JoinPointLimits {

    private static final int INITIAL_SLOTS = 16;
    private static final int INITIAL_INDEX = 64;

    private static final ClassValue<Slots> BY_CLASS = new ClassValue<>() {
        @Override
        protected Slots computeValue(Class<?> type) {
            return new Slots();
        }
    };

    private static volatile IndexEntry[] index = new IndexEntry[INITIAL_INDEX];
    private static int indexed; // entries in the index, under the class's lock

    /**
     * {@link LimitedMethod#acquireOrRejection()}, called through a handle the JIT cannot inline: a
     * method handle read from a field that is not final is not a constant. That keeps the decision
     * out of the woven method's compiled code, which is then the advice, one call and the throw:
     * small enough for the JIT to inline into the method's callers, where a rejection the caller
     * catches is a jump. With the decision inlined, the woven method compiles too big to be inlined
     * anywhere, and every rejection unwinds a frame (docs/benchmarks.md has both costs). Written
     * once, by the class initializer; never changed.
     */
    private static MethodHandle keylessDecision = keylessDecisionHandle();

    /** What {@link #acquireOrFallback} returns when the call may proceed. */
    static final Object GRANTED = LimitedMethod.GRANTED;

    private JoinPointLimits() {
    }

    /*
     * The operations the advice runs, each on the join point's limits. ajc inlines the advice
     * into the woven class, so what the advice names, woven code names: these take and return
     * only JDK, AspectJ and io.ratewarden types, never the internal LimitedMethod, so that woven
     * code in a named module needs only what the core module exports. Each is one call the JIT
     * inlines; the keyless decision behind acquireOrRejection is the one call it does not.
     */

    /**
     * See {@link LimitedMethod#acquireOrRejection()}: {@code null} when granted, else the rejection.
     * The advice throws it itself, in the woven method, so that the throw is inlined wherever the
     * woven method is.
     */
    static RateLimitExceededException acquireOrRejection(JoinPoint.StaticPart joinPoint) {
        LimitedMethod limits = of(joinPoint);
        try {
            return (RateLimitExceededException) keylessDecision.invokeExact(limits);
        } catch (Throwable failure) {
            throw Sneaky.<RuntimeException>rethrow(failure);
        }
    }

    private static MethodHandle keylessDecisionHandle() {
        try {
            return MethodHandles.lookup().findVirtual(LimitedMethod.class, "acquireOrRejection",
                    MethodType.methodType(RateLimitExceededException.class));
        } catch (ReflectiveOperationException unexpected) {
            throw new IllegalStateException("LimitedMethod.acquireOrRejection() is not accessible", unexpected);
        }
    }

    /** See {@link LimitedMethod#acquire(Object, Object)}. */
    static void acquire(JoinPoint.StaticPart joinPoint, Object a0, Object a1) {
        of(joinPoint).acquire(a0, a1);
    }

    /** See {@link LimitedMethod#acquireOrFallback(Object, Object, Object)}; {@link #GRANTED} to proceed. */
    static Object acquireOrFallback(JoinPoint.StaticPart joinPoint, Object target, Object a0, Object a1) {
        return of(joinPoint).acquireOrFallback(target, a0, a1);
    }

    /** See {@link LimitedMethod#failed(Object, Object[], Object, Object, Throwable)}. */
    static Throwable failed(JoinPoint.StaticPart joinPoint, Object target, Object[] args, Object a0, Object a1,
                            Throwable failure) {
        return of(joinPoint).failed(target, args, a0, a1, failure);
    }

    /** See {@link LimitedMethod#isAsync()}. */
    static boolean isAsync(JoinPoint.StaticPart joinPoint) {
        return of(joinPoint).isAsync();
    }

    /** See {@link LimitedMethod#tryAcquire(Object, Object[])}. */
    static RateLimitExceededException tryAcquire(JoinPoint.StaticPart joinPoint, Object target, Object[] args) {
        return of(joinPoint).tryAcquire(target, args);
    }

    /** See {@link LimitedMethod#rejected(Object, Object[], RateLimitExceededException)}. */
    static Object rejected(JoinPoint.StaticPart joinPoint, Object target, Object[] args,
                           RateLimitExceededException rejection) throws Throwable {
        return of(joinPoint).rejected(target, args, rejection);
    }

    /** See {@link LimitedMethod#invokeAsync}; {@code body} runs the method's body. */
    static Object invokeAsync(JoinPoint.StaticPart joinPoint, Object target, Object[] args, Callable<Object> body)
            throws Throwable {
        return of(joinPoint).invokeAsync(target, args, body::call);
    }

    static LimitedMethod of(JoinPoint.StaticPart joinPoint) {
        IndexEntry[] table = index;
        int mask = table.length - 1;
        int i = System.identityHashCode(joinPoint) & mask;
        IndexEntry entry;
        while ((entry = table[i]) != null) {
            if (entry.get() == joinPoint) {
                LimitedMethod limits = entry.limits.get();
                if (limits != null) {
                    return limits;
                }
                break;
            }
            i = (i + 1) & mask;
        }
        return indexed(joinPoint);
    }

    /**
     * The slow path, once per join point (and again after a race): resolves the limits through
     * their owner and adds them to the index, in place while the table stays at most half full,
     * else in a larger copy without the entries of unloaded classes. A reader that misses an
     * entry being added comes here and finds it under the lock.
     */
    private static synchronized LimitedMethod indexed(JoinPoint.StaticPart joinPoint) {
        LimitedMethod limits = owned(joinPoint);
        IndexEntry[] table = index;
        int mask = table.length - 1;
        for (int i = System.identityHashCode(joinPoint) & mask; table[i] != null; i = (i + 1) & mask) {
            if (table[i].get() == joinPoint) {
                if (table[i].limits.get() != limits) {
                    table[i] = new IndexEntry(joinPoint, limits);
                }
                return limits;
            }
        }
        if ((indexed + 1) * 2 <= table.length) {
            put(table, new IndexEntry(joinPoint, limits));
            indexed++;
            return limits;
        }
        int live = 1;
        for (IndexEntry entry : table) {
            if (entry != null && entry.get() != null) {
                live++;
            }
        }
        int size = table.length;
        while (live * 4 > size) {
            size *= 2;
        }
        IndexEntry[] rebuilt = new IndexEntry[size];
        for (IndexEntry entry : table) {
            if (entry != null && entry.get() != null) {
                put(rebuilt, entry);
            }
        }
        put(rebuilt, new IndexEntry(joinPoint, limits));
        indexed = live;
        index = rebuilt;
        return limits;
    }

    private static void put(IndexEntry[] table, IndexEntry entry) {
        int mask = table.length - 1;
        int i = System.identityHashCode(entry.get()) & mask;
        while (table[i] != null) {
            i = (i + 1) & mask;
        }
        table[i] = entry;
    }

    /** The limits of a join point as held by its class, resolved there on first use. */
    static LimitedMethod owned(JoinPoint.StaticPart joinPoint) {
        Slots slots = BY_CLASS.get(joinPoint.getSignature().getDeclaringType());
        int id = joinPoint.getId();
        AtomicReferenceArray<LimitedMethod> array = slots.array;
        if (id < array.length()) {
            LimitedMethod limits = array.get(id);
            if (limits != null) {
                return limits;
            }
        }
        return slots.resolve(joinPoint, id);
    }

    /** One entry of the index: the join point (the referent) and its limits, both weakly held. */
    private static final class IndexEntry extends WeakReference<JoinPoint.StaticPart> {
        final WeakReference<LimitedMethod> limits;

        IndexEntry(JoinPoint.StaticPart joinPoint, LimitedMethod limits) {
            super(joinPoint);
            this.limits = new WeakReference<>(limits);
        }
    }

    /** The join points of one woven class, indexed by id; grown under a lock, read without one. */
    private static final class Slots {
        volatile AtomicReferenceArray<LimitedMethod> array = new AtomicReferenceArray<>(INITIAL_SLOTS);

        synchronized LimitedMethod resolve(JoinPoint.StaticPart joinPoint, int id) {
            AtomicReferenceArray<LimitedMethod> current = array;
            if (id >= current.length()) {
                AtomicReferenceArray<LimitedMethod> grown =
                        new AtomicReferenceArray<>(Math.max(id + 1, current.length() * 2));
                for (int i = 0; i < current.length(); i++) {
                    grown.set(i, current.get(i));
                }
                array = grown;
                current = grown;
            }
            LimitedMethod limits = current.get(id);
            if (limits == null) {
                Method method = ((MethodSignature) joinPoint.getSignature()).getMethod();
                limits = LimitedMethod.of(method);
                current.set(id, limits);
            }
            return limits;
        }
    }
}
