package io.ratewarden.aspectj;

/**
 * Rethrows a throwable without wrapping it, so that a woven method's callers see exactly what its
 * body or its fallback threw, checked exceptions included.
 */
final class Sneaky {

    private Sneaky() {
    }

    @SuppressWarnings("unchecked")
    static <T extends Throwable> T rethrow(Throwable failure) throws T {
        throw (T) failure;
    }
}
