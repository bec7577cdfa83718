package io.ratewarden.aspectj;

import io.ratewarden.internal.LimitedMethod;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.aspectj.lang.JoinPoint;
import org.aspectj.lang.reflect.MethodSignature;

/**
 * The {@link LimitedMethod} of each woven join point, resolved on first use and cached for the
 * life of the woven class: per class (a {@link ClassValue}), by the join point's id, which ajc
 * numbers from 0 within each woven type. Two field reads and an array read per call.
 */
final class JoinPointLimits {

    private static final int INITIAL_SLOTS = 16;

    private static final ClassValue<Slots> BY_CLASS = new ClassValue<>() {
        @Override
        protected Slots computeValue(Class<?> type) {
            return new Slots();
        }
    };

    private JoinPointLimits() {
    }

    static LimitedMethod of(JoinPoint.StaticPart joinPoint) {
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
