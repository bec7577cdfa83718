package io.ratewarden.spring.autoconfigure;

import io.ratewarden.Ratewarden;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Installs the context's one {@link Ratewarden} bean for the {@code @RateLimited} aspect once the
 * context's singletons exist ({@link Ratewarden#install(Ratewarden)}). With no bean, or several,
 * it installs nothing and woven methods use the instance they find installed.
 */
public final class RatewardenInstaller implements SmartInitializingSingleton {

    private final ObjectProvider<Ratewarden> ratewarden;

    /**
     * Creates the installer.
     *
     * @param ratewarden the context's instances
     */
    public RatewardenInstaller(ObjectProvider<Ratewarden> ratewarden) {
        this.ratewarden = ratewarden;
    }

    /** Installs the context's one instance, if it has exactly one. */
    @Override
    public void afterSingletonsInstantiated() {
        Ratewarden instance = ratewarden.getIfUnique();
        if (instance != null) {
            Ratewarden.install(instance);
        }
    }
}
