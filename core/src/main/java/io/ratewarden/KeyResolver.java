package io.ratewarden;

import java.lang.reflect.Method;

/**
 * Computes the rate-limit key of a call where a {@link RateLimited#key()} expression cannot
 * reach it. Named by {@link RateLimited#keyResolver()}.
 *
 * <p>An implementation needs an accessible no-argument constructor; one instance is created per
 * annotated method and called from any thread, so it must be thread-safe.
 */
@FunctionalInterface
public interface KeyResolver {

    /**
     * Returns the key of one call.
     *
     * @param method the annotated method, never {@code null}
     * @param target the object the method runs on, or {@code null} for a static method
     * @param args the call's arguments, never {@code null}; do not modify it
     * @return the key; {@code null} is taken as the text {@code null}
     */
    String resolve(Method method, Object target, Object[] args);

    /**
     * The default of {@link RateLimited#keyResolver()}: no resolver. Calling it is an error.
     */
    final class None implements KeyResolver {
        private None() {
        }

        /**
         * Never called.
         *
         * @throws UnsupportedOperationException always
         */
        @Override
        public String resolve(Method method, Object target, Object[] args) {
            throw new UnsupportedOperationException("KeyResolver.None resolves no key");
        }
    }
}
