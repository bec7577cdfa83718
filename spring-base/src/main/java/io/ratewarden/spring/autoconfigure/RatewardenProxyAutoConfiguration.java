package io.ratewarden.spring.autoconfigure;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Role;

/**
 * Limits {@code @RateLimited} methods of beans no AspectJ weaving reached, through Spring AOP
 * proxies ({@link RateLimitedProxies}). Off with {@code ratewarden.proxy.enabled=false}, for an
 * application that weaves everything and wants to know when it does not.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "ratewarden.proxy.enabled", matchIfMissing = true)
public class RatewardenProxyAutoConfiguration {

    /**
     * The post-processor; static, as a post-processor must be made before other beans.
     *
     * @return the post-processor
     */
    @Bean
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    @ConditionalOnMissingBean
    public static RateLimitedProxies rateLimitedProxies() {
        return new RateLimitedProxies();
    }
}
