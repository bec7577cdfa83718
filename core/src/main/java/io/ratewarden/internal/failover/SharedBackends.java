package io.ratewarden.internal.failover;

import java.util.Iterator;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/** Finds the store module that opens Redis backends, when it is on the class or module path. */
public final class SharedBackends {

    /** The coordinates a user adds to decide on Redis. */
    public static final String ARTIFACT = "io.ratewarden:ratewarden-redis";

    private SharedBackends() {
    }

    /**
     * Returns the provider of {@value #ARTIFACT}.
     *
     * @param setting what asked for Redis, masked, for the message: for example
     *     {@code "redisUrl redis://***@cache:6379"}
     * @return the provider
     * @throws IllegalStateException when the artifact is not on the class or module path
     */
    public static SharedBackendProvider provider(String setting) {
        SharedBackendProvider found;
        try {
            found = find();
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("Ratewarden could not load its Redis support for " + setting + ": "
                    + e.getMessage(), e);
        }
        if (found != null) {
            return found;
        }
        throw new IllegalStateException("Ratewarden is configured to decide on Redis (" + setting + "), but "
                + ARTIFACT + " is not on the class path: add that dependency (its version is pinned by"
                + " io.ratewarden:ratewarden-bom), or remove the Redis setting to limit in memory");
    }

    /**
     * Returns the provider of {@value #ARTIFACT}, or {@code null} when it is not there.
     *
     * @return the provider, or {@code null}
     * @throws ServiceConfigurationError when a provider is declared but cannot be loaded
     */
    public static SharedBackendProvider find() {
        Iterator<SharedBackendProvider> found = ServiceLoader.load(SharedBackendProvider.class,
                SharedBackends.class.getClassLoader()).iterator();
        return found.hasNext() ? found.next() : null;
    }
}
