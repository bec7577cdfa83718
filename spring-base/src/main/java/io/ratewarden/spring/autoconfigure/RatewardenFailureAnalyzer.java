package io.ratewarden.spring.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link RatewardenStartupException} into Spring Boot's failure report ("APPLICATION
 * FAILED TO START", a description and an action), from the exception's own masked text: unlike
 * the report of an invalid property value, it never reads the property's value back from the
 * environment, where a Redis URL holds its password in clear. Registered in
 * {@code META-INF/spring.factories}; not for use by applications.
 */
public final class RatewardenFailureAnalyzer extends AbstractFailureAnalyzer<RatewardenStartupException> {

    /** Creates the analyzer; Spring Boot does. */
    public RatewardenFailureAnalyzer() {
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, RatewardenStartupException cause) {
        return new FailureAnalysis(cause.description(), cause.action(), cause);
    }
}
