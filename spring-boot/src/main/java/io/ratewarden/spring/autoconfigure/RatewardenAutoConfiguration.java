package io.ratewarden.spring.autoconfigure;

import io.ratewarden.FallbackShare;
import io.ratewarden.Ratewarden;
import java.lang.management.ManagementFactory;
import java.util.function.Consumer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.redisson.api.RedissonClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * Builds one {@link Ratewarden} from the {@code ratewarden.*} properties, installs it for the
 * {@code @RateLimited} aspect and closes it when the context closes. Backs off when the
 * application defines its own {@code Ratewarden} bean (which is then installed instead, unless
 * {@code ratewarden.install=false}).
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "ratewarden.enabled", matchIfMissing = true)
@EnableConfigurationProperties(RatewardenProperties.class)
public class RatewardenAutoConfiguration {

    /**
     * The instance, built from the properties and installed for the aspect at once (unless
     * {@code ratewarden.install=false}). A property whose value the builder refuses fails the
     * start with the property's name and the builder's reason; a URL's text is never shown.
     *
     * @param properties the {@code ratewarden.*} properties
     * @param environment for {@code spring.application.name} and {@code REDIS_URL}
     * @param redissonClients a {@link RedissonClient} bean, used when no address is configured
     * @return the instance; closed by the context
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Ratewarden ratewarden(RatewardenProperties properties, Environment environment,
                                 ObjectProvider<RedissonClient> redissonClients) {
        Ratewarden.Builder builder = Ratewarden.builder();
        boolean jmx = properties.jmx() == null || properties.jmx();
        String name = properties.name();
        if (name == null || name.isBlank()) {
            String application = environment.getProperty("spring.application.name");
            name = application == null || application.isBlank() ? null : unusedName(application.trim(), jmx);
        }
        apply("ratewarden.name", name, true, builder::name);
        apply("ratewarden.redis-timeout", properties.redisTimeout(), true, builder::redisTimeout);
        apply("ratewarden.probe-interval", properties.probeInterval(), true, builder::probeInterval);
        apply("ratewarden.failure-policy", properties.failurePolicy(), true, builder::failurePolicy);
        apply("ratewarden.fallback-share", properties.fallbackShare(), false,
                share -> builder.fallbackShare(FallbackShare.parse(share)));
        apply("ratewarden.local-max-keys", properties.localMaxKeys(), true, builder::localMaxKeys);
        apply("ratewarden.key-prefix", properties.keyPrefix(), true, builder::keyPrefix);
        apply("ratewarden.jmx", properties.jmx(), true, builder::jmx);
        apply("ratewarden.over-limit-cache", properties.overLimitCache(), true, builder::overLimitCache);
        if (properties.redisUrl() != null && !properties.redisUrl().isBlank()) {
            applySecret("ratewarden.redis-url", properties.redisUrl().trim(), builder::redisUrl);
        } else if (properties.redissonYaml() != null) {
            apply("ratewarden.redisson-yaml", properties.redissonYaml(), true, builder::redissonYaml);
        } else {
            RedissonClient client = redissonClients.getIfUnique();
            String environmentUrl = environment.getProperty("REDIS_URL");
            if (client != null) {
                builder.redissonClient(client);
            } else if (environmentUrl != null && !environmentUrl.isBlank()) {
                applySecret("REDIS_URL", environmentUrl.trim(), builder::redisUrl);
            }
        }
        Ratewarden ratewarden;
        try {
            ratewarden = builder.build();
        } catch (IllegalStateException e) {
            if (jmx && name != null && isRegistered(name)) {
                throw new InvalidConfigurationPropertyValueException("ratewarden.name", name, e.getMessage());
            }
            throw e;
        }
        if (properties.install()) {
            // At once, so that woven methods called while the context starts use it too.
            Ratewarden.install(ratewarden);
        }
        return ratewarden;
    }

    /**
     * Installs the context's {@link Ratewarden} for the aspect: the starter's, or the
     * application's own.
     *
     * @param ratewarden the context's instance
     * @return the installer
     */
    @Bean
    @ConditionalOnBooleanProperty(name = "ratewarden.install", matchIfMissing = true)
    public RatewardenInstaller ratewardenInstaller(ObjectProvider<Ratewarden> ratewarden) {
        return new RatewardenInstaller(ratewarden);
    }

    /**
     * The application's name, or {@code name-2}, {@code name-3}... when an instance of that name
     * is already registered in this JVM's JMX: two contexts of one application (as a test suite
     * keeps them) must not collide. An explicit {@code ratewarden.name} is taken as it is.
     */
    private static String unusedName(String application, boolean jmx) {
        if (!jmx) {
            return application;
        }
        String candidate = application;
        for (int n = 2; isRegistered(candidate); n++) {
            candidate = application + "-" + n;
        }
        return candidate;
    }

    // The instance MXBean's documented name (docs/operations.md).
    private static boolean isRegistered(String instanceName) {
        try {
            return ManagementFactory.getPlatformMBeanServer().isRegistered(
                    new ObjectName("io.ratewarden:type=Ratewarden,name=" + ObjectName.quote(instanceName)));
        } catch (MalformedObjectNameException e) {
            return false;
        }
    }

    private static <T> void apply(String property, T value, boolean showValue, Consumer<T> setting) {
        if (value == null || (value instanceof String text && text.isBlank())) {
            return;
        }
        try {
            setting.accept(value);
        } catch (IllegalArgumentException e) {
            // Only values of a known shape are shown; a misplaced secret in a text property is not.
            throw new InvalidConfigurationPropertyValueException(property,
                    showValue ? value : "(a value of " + String.valueOf(value).length() + " characters)",
                    e.getMessage());
        }
    }

    private static void applySecret(String property, String value, Consumer<String> setting) {
        try {
            setting.accept(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationPropertyValueException(property, "(not shown: it may hold a password)",
                    e.getMessage());
        }
    }
}
