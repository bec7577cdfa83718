package io.ratewarden.internal;

/** Computes the raw key of one call of an annotated method. */
@FunctionalInterface
interface KeyFunction {

    /**
     * Returns the raw key of a call; {@code null} stands for the text {@code null}.
     *
     * @param target the object the method runs on, or {@code null} for a static method
     * @param args the call's arguments
     * @return the raw key
     */
    String key(Object target, Object[] args) throws Throwable;
}
