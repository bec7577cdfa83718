package io.ratewarden.spring.autoconfigure;

import io.ratewarden.RatewardenBuilder;
import io.ratewarden.redis.RatewardenRedis;
import io.ratewarden.Ratewarden;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import org.redisson.api.RedissonClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.SpringBootVersion;
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
     * Fails the start, naming the right artifact, when the application runs another line of
     * Spring Boot than this starter's.
     *
     * @throws IllegalStateException on the other line
     */
    public RatewardenAutoConfiguration() {
        BootLine line = BootLine.declared(RatewardenAutoConfiguration.class.getClassLoader());
        if (line != null) {
            line.check(SpringBootVersion.getVersion());
        }
    }

    /**
     * The instance, built from the properties and installed for the aspect at once (unless
     * {@code ratewarden.install=false}). A property whose value the builder rejects fails the
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
        RatewardenBuilder builder = Ratewarden.builder();
        boolean jmx = properties.jmx() == null || properties.jmx();
        String name = properties.name();
        if (name == null || name.isBlank()) {
            String application = environment.getProperty("spring.application.name");
            name = application == null || application.isBlank() ? null : unusedName(application.trim(), jmx);
        }
        // Every property goes through the builder's one table of settings, by the name it has
        // there; the map says which Boot property each came from, for errors.
        Map<String, String> settings = new LinkedHashMap<>();
        Map<String, String> propertyNames = new LinkedHashMap<>();
        setting(settings, propertyNames, "name", name, "ratewarden.name");
        setting(settings, propertyNames, "redisTimeout", properties.redisTimeout(), "ratewarden.redis-timeout");
        setting(settings, propertyNames, "probeInterval", properties.probeInterval(), "ratewarden.probe-interval");
        setting(settings, propertyNames, "startupWait", properties.startupWait(), "ratewarden.startup-wait");
        setting(settings, propertyNames, "overrideWait", properties.overrideWait(), "ratewarden.override-wait");
        setting(settings, propertyNames, "failurePolicy", properties.failurePolicy(), "ratewarden.failure-policy");
        setting(settings, propertyNames, "fallbackShare", properties.fallbackShare(), "ratewarden.fallback-share");
        setting(settings, propertyNames, "localMaxKeys", properties.localMaxKeys(), "ratewarden.local-max-keys");
        setting(settings, propertyNames, "keyPrefix", keyPrefix(properties, environment), "ratewarden.key-prefix");
        setting(settings, propertyNames, "jmx", properties.jmx(), "ratewarden.jmx");
        setting(settings, propertyNames, "overLimitCache", properties.overLimitCache(), "ratewarden.over-limit-cache");
        setting(settings, propertyNames, "redisAlgorithm", properties.redisAlgorithm(), "ratewarden.redis-algorithm");
        setting(settings, propertyNames, "shadow", properties.shadow(), "ratewarden.shadow");
        setting(settings, propertyNames, "coalesce", properties.coalesce(), "ratewarden.coalesce");
        setting(settings, propertyNames, "clockGranularity", properties.clockGranularity(),
                "ratewarden.clock-granularity");
        setting(settings, propertyNames, "stackTraces", properties.stackTraces(), "ratewarden.stack-traces");
        if (properties.web().rateLimitHeaders()) {
            // The fields need the permits left, which then travel in each grant's decision.
            setting(settings, propertyNames, "reportRemaining", true, "ratewarden.web.rate-limit-headers");
        }
        setting(settings, propertyNames, "redisUrl", properties.redisUrl(), "ratewarden.redis-url");
        setting(settings, propertyNames, "redissonYaml", properties.redissonYaml(), "ratewarden.redisson-yaml");
        LimitPropertyNames.requireKnown(environment);
        if (properties.limits() != null) {
            properties.limits().forEach((limit, values) -> {
                String prefix = "ratewarden.limits." + limit;
                setting(settings, propertyNames, "limits." + limit + ".permits", values.permits(), prefix + ".permits");
                setting(settings, propertyNames, "limits." + limit + ".window", values.window(), prefix + ".window");
                setting(settings, propertyNames, "limits." + limit + ".shadow", values.shadow(), prefix + ".shadow");
                if (values.tiers() != null) {
                    values.tiers().forEach((tier, tierValues) -> {
                        String tierPrefix = prefix + ".tiers." + tier;
                        setting(settings, propertyNames, "limits." + limit + ".tiers." + tier + ".permits",
                                tierValues.permits(), tierPrefix + ".permits");
                        setting(settings, propertyNames, "limits." + limit + ".tiers." + tier + ".window",
                                tierValues.window(), tierPrefix + ".window");
                    });
                }
            });
        }
        if (!settings.containsKey("redisUrl") && !settings.containsKey("redissonYaml")) {
            RedissonClient client = redissonClients.getIfUnique();
            String environmentUrl = environment.getProperty("REDIS_URL");
            if (client != null) {
                builder.redis(RatewardenRedis.client(client));
            } else if (environmentUrl != null && !environmentUrl.isBlank()) {
                setting(settings, propertyNames, "redisUrl", environmentUrl.trim(), "REDIS_URL");
            }
        }
        if (settings.containsKey("redisUrl") && settings.containsKey("redissonYaml")) {
            throw new RatewardenStartupException("Both " + propertyNames.get("redisUrl") + " and ratewarden.redisson-yaml"
                    + " are set (values not shown: they may hold a password).",
                    "Set one of them: the Redis URL, or the Redisson configuration file.");
        }
        settings.forEach((key, value) -> configure(builder, key, value, propertyNames.get(key)));
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
     * Fails the start on an invalid {@code @RateLimited} of any bean, naming the method and the
     * attribute, instead of failing the first call.
     *
     * @param beans the context's bean factory
     * @param ratewarden the context's instance, whose configuration defines limits
     * @return the check, run once every singleton exists
     */
    @Bean
    static SmartInitializingSingleton ratewardenRateLimitedBeans(ConfigurableListableBeanFactory beans,
                                                                 ObjectProvider<Ratewarden> ratewarden) {
        return new RateLimitedBeans(beans, ratewarden);
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

    /**
     * The key prefix: {@code ratewarden.key-prefix} when set, else {@code rw:<spring.application.name>:}
     * when the application has a name (two applications on one Redis share nothing unless they
     * choose to), else {@code null}, the builder's own default {@code rw:}.
     */
    private static String keyPrefix(RatewardenProperties properties, Environment environment) {
        if (properties.keyPrefix() != null && !properties.keyPrefix().isBlank()) {
            return properties.keyPrefix();
        }
        String application = environment.getProperty("spring.application.name");
        return application == null || application.isBlank() ? null : "rw:" + application.trim() + ":";
    }

    /** Adds a setting that is set, by its name in the builder's table, noting its property's name. */
    private static void setting(Map<String, String> settings, Map<String, String> propertyNames, String key,
                                Object value, String property) {
        if (value == null || (value instanceof String text && text.isBlank())) {
            return;
        }
        settings.put(key, value instanceof Path path ? path.toString() : String.valueOf(value).trim());
        propertyNames.put(key, property);
    }

    /**
     * Applies one setting; a value the builder rejects fails the start naming the property. Only
     * values of a known shape are shown; a URL, or text that may be a misplaced secret, is not.
     */
    private static void configure(RatewardenBuilder builder, String key, String value, String property) {
        try {
            builder.configure(key, value);
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            String reason = message.startsWith(key + ": ") ? message.substring(key.length() + 2) : message;
            boolean secret = key.equals("redisUrl") || key.equals("redissonYaml") || key.equals("fallbackShare")
                    || key.equals("keyPrefix") || key.equals("name");
            if (secret) {
                // Never Boot's invalid-value report: it reads the raw value back from the environment.
                throw new RatewardenStartupException("Invalid value for " + property + " ("
                        + (key.equals("redisUrl") ? "not shown: it may hold a password"
                                : "a value of " + value.length() + " characters") + "): " + reason,
                        "Correct " + property + " (set as a property, a command-line argument or an environment"
                                + " variable).");
            }
            throw new InvalidConfigurationPropertyValueException(property, value, reason);
        }
    }
}
