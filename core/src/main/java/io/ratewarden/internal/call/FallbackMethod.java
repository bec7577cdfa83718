package io.ratewarden.internal.call;

import io.ratewarden.RateLimitExceededException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;

/** The {@code fallbackMethod} of an annotated method, resolved once and called on rejection. */
final class FallbackMethod {

    private final MethodHandle handle;
    // For a method of at most two parameters: the fallback as (target, a0, a1, rejection),
    // ignoring what it does not take; null for more parameters.
    private final MethodHandle fixed;
    private final boolean isStatic;
    private final boolean takesException;

    private FallbackMethod(MethodHandle handle, MethodHandle fixed, boolean isStatic, boolean takesException) {
        this.handle = handle;
        this.fixed = fixed;
        this.isStatic = isStatic;
        this.takesException = takesException;
    }

    /**
     * Finds {@code name} in the declaring class of {@code method}: same parameters, optionally
     * followed by a {@link RateLimitExceededException}, a compatible return type, and static
     * exactly when {@code method} is.
     */
    static FallbackMethod resolve(Method method, String name) throws InvalidAnnotationException {
        Class<?> owner = method.getDeclaringClass();
        Class<?>[] parameters = method.getParameterTypes();
        Class<?>[] withException = Arrays.copyOf(parameters, parameters.length + 1);
        withException[parameters.length] = RateLimitExceededException.class;
        Method found = find(owner, name, withException);
        boolean takesException = found != null;
        if (found == null) {
            found = find(owner, name, parameters);
        }
        if (found == null) {
            throw new InvalidAnnotationException("fallbackMethod", "no method " + name + "("
                    + typeNames(parameters) + ") or " + name + "(" + typeNames(withException) + ") in "
                    + owner.getName());
        }
        boolean isStatic = Modifier.isStatic(method.getModifiers());
        if (Modifier.isStatic(found.getModifiers()) != isStatic) {
            throw new InvalidAnnotationException("fallbackMethod", name + " must " + (isStatic ? "" : "not ")
                    + "be static, like the method it stands in for");
        }
        if (!assignable(method.getReturnType(), found.getReturnType())) {
            throw new InvalidAnnotationException("fallbackMethod", name + " returns "
                    + found.getReturnType().getName() + ", which is not assignable to "
                    + method.getReturnType().getName());
        }
        try {
            found.setAccessible(true);
            MethodHandle handle = MethodHandles.lookup().unreflect(found);
            int arity = handle.type().parameterCount();
            MethodHandle spread = handle.asSpreader(Object[].class, arity)
                    .asType(MethodType.methodType(Object.class, Object[].class));
            MethodHandle fixed = parameters.length <= 2
                    ? fixed(handle, isStatic, parameters.length, takesException) : null;
            return new FallbackMethod(spread, fixed, isStatic, takesException);
        } catch (IllegalAccessException | RuntimeException e) {
            throw new InvalidAnnotationException("fallbackMethod", "cannot call " + name + ": " + e.getMessage());
        }
    }

    /** Calls the fallback with the rejected call's target and arguments; returns its result. */
    Object invoke(Object target, Object[] args, RateLimitExceededException rejection) throws Throwable {
        int extra = (isStatic ? 0 : 1) + (takesException ? 1 : 0);
        Object[] all = new Object[args.length + extra];
        int offset = 0;
        if (!isStatic) {
            all[offset++] = target;
        }
        System.arraycopy(args, 0, all, offset, args.length);
        if (takesException) {
            all[all.length - 1] = rejection;
        }
        return (Object) handle.invokeExact(all);
    }

    /** The fallback as (target, a0, a1, rejection) returning Object, ignoring what it does not take. */
    private static MethodHandle fixed(MethodHandle handle, boolean isStatic, int parameters, boolean takesException) {
        int arity = handle.type().parameterCount();
        int[] from = new int[arity];
        int next = 0;
        if (!isStatic) {
            from[next++] = 0;
        }
        for (int i = 0; i < parameters; i++) {
            from[next++] = 1 + i;
        }
        if (takesException) {
            from[next] = 3;
        }
        return MethodHandles.permuteArguments(handle.asType(MethodType.genericMethodType(arity)),
                MethodType.genericMethodType(4), from);
    }

    /** Whether the fallback takes the {@link RateLimitExceededException}. */
    boolean takesException() {
        return takesException;
    }

    /**
     * Calls the fallback of a method of at most two parameters, without an argument array;
     * {@code a1}, or both, are ignored for a method of fewer parameters, {@code target} for a
     * static one and {@code rejection} when the fallback does not take it.
     */
    Object invoke(Object target, Object a0, Object a1, RateLimitExceededException rejection) throws Throwable {
        return (Object) fixed.invokeExact(target, a0, a1, (Object) rejection);
    }

    private static Method find(Class<?> owner, String name, Class<?>[] parameters) {
        try {
            return owner.getDeclaredMethod(name, parameters);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    private static boolean assignable(Class<?> to, Class<?> from) {
        if (to == void.class || from == void.class) {
            return to == from;
        }
        return box(to).isAssignableFrom(box(from));
    }

    private static Class<?> box(Class<?> type) {
        return MethodType.methodType(type).wrap().returnType();
    }

    private static String typeNames(Class<?>[] types) {
        return String.join(", ", Arrays.stream(types).map(Class::getSimpleName).toList());
    }
}
