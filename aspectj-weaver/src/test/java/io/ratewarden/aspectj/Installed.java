package io.ratewarden.aspectj;

import io.ratewarden.test.ManualTicker;
import io.ratewarden.Ratewarden;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Installs a fresh in-memory {@link Ratewarden} on a {@link ManualTicker} before each test, so that
 * no test sees another's permits, and closes it afterwards.
 */
final class Installed implements BeforeEachCallback, AfterEachCallback {

    final ManualTicker ticker = new ManualTicker();
    Ratewarden ratewarden;

    @Override
    public void beforeEach(ExtensionContext context) {
        ratewarden = Ratewarden.builder()
                .name(context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName())
                .ticker(ticker)
                .build();
        Ratewarden.install(ratewarden);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        ratewarden.close();
    }
}
