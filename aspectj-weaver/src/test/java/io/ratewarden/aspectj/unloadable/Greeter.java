package io.ratewarden.aspectj.unloadable;

import io.ratewarden.RateLimited;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A woven class that {@code JoinPointUnloadingTest} loads in a class loader of its own; its
 * fallback makes its limits refer to the class itself.
 */
public class Greeter implements Supplier<String> {

    @Override
    @RateLimited(name = "unloadable", permits = 1, window = 1, unit = TimeUnit.HOURS, fallbackMethod = "busy")
    public String get() {
        return "hello";
    }

    String busy() {
        return "busy";
    }
}
