package io.ratewarden.internal.call;

/** Computes the raw key of one call of an annotated method. */
public interface KeyFunction {

    /**
     * Returns the raw key of a call; {@code null} stands for the text {@code null}.
     *
     * @param target the object the method runs on, or {@code null} for a static method
     * @param args the call's arguments
     * @return the raw key
     */
    String key(Object target, Object[] args) throws Throwable;

    /**
     * Returns the raw key of a call of a method with one or two parameters, from the arguments
     * themselves rather than an array (the aspect binds them without building one).
     *
     * @param a0 the first argument
     * @param a1 the second argument, or {@code null} for a method of one parameter
     * @return the raw key
     */
    String key(Object a0, Object a1) throws Throwable;
}
