package io.ratewarden.spring.autoconfigure;

import java.util.Objects;

/**
 * Fails the start of an application whose Ratewarden configuration is wrong: a malformed Redis URL,
 * an unknown key under {@code ratewarden.limits.<name>.}, an invalid {@code @RateLimited} on a
 * bean. Its message names the culprit and never holds a secret: a property whose value may hold a
 * password is named, its value is not shown. Spring Boot's failure report shows its
 * {@linkplain #description() description} and {@linkplain #action() action}
 * ({@link RatewardenFailureAnalyzer}) rather than reading the property's value back.
 */
public final class RatewardenStartupException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String action;

    /**
     * Creates the exception.
     *
     * @param description what is wrong, naming the property or the method; never a secret
     * @param action what to do about it
     */
    public RatewardenStartupException(String description, String action) {
        super(Objects.requireNonNull(description, "description"));
        this.action = Objects.requireNonNull(action, "action");
    }

    /**
     * Returns what is wrong, naming the property or the method.
     *
     * @return the description, never {@code null}
     */
    public String description() {
        return getMessage();
    }

    /**
     * Returns what to do about it.
     *
     * @return the action, never {@code null}
     */
    public String action() {
        return action;
    }
}
