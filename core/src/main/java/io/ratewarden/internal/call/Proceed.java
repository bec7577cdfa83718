package io.ratewarden.internal.call;

/** Runs the intercepted method's body; supplied by the aspect for methods that wait asynchronously. */
@FunctionalInterface
public interface Proceed {

    /**
     * Runs the method's body.
     *
     * @return what the method returned
     * @throws Throwable what the method threw
     */
    Object proceed() throws Throwable;
}
