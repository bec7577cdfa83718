package io.ratewarden.spring.autoconfigure;

import io.ratewarden.Ratewarden;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.ProblemDetail;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Turns a rejected call into {@code 429 Too Many Requests} in a Spring MVC or WebFlux
 * application ({@link RateLimitExceededHandler}), and with
 * {@code ratewarden.web.rate-limit-headers=true} writes the {@code RateLimit} fields on every
 * response of a limited handler ({@link RateLimitHeaderFilter}, {@link RateLimitHeaderWebFilter}).
 * Off with {@code ratewarden.web.enabled=false}.
 */
@AutoConfiguration(after = RatewardenAutoConfiguration.class)
@ConditionalOnWebApplication
@ConditionalOnClass(ProblemDetail.class)
@ConditionalOnBean(Ratewarden.class)
@ConditionalOnBooleanProperty(name = "ratewarden.web.enabled", matchIfMissing = true)
public class RatewardenWebAutoConfiguration {

    /**
     * The 429 handler.
     *
     * @param properties the {@code ratewarden.*} properties
     * @return the handler
     */
    @Bean
    @ConditionalOnMissingBean
    public RateLimitExceededHandler rateLimitExceededHandler(RatewardenProperties properties) {
        return new RateLimitExceededHandler(properties.web().rateLimitHeaders());
    }

    /** The RateLimit fields on every response of a limited servlet handler. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnBooleanProperty(name = "ratewarden.web.rate-limit-headers")
    static class ServletFields {

        /**
         * The filter that writes them.
         *
         * @return the filter, which Boot registers for every request
         */
        @Bean
        @ConditionalOnMissingBean
        RateLimitHeaderFilter rateLimitHeaderFilter() {
            return new RateLimitHeaderFilter();
        }

        /** Spring MVC's asynchronous handlers: a {@code Callable} records into its request's record. */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(WebMvcConfigurer.class)
        static class AsyncHandlers {

            /**
             * Registers {@link RateLimitHeaderFilter#callableInterceptor()}.
             *
             * @return the configurer
             */
            @Bean
            WebMvcConfigurer rateLimitFieldsOfAsyncHandlers() {
                return new WebMvcConfigurer() {
                    @Override
                    public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
                        configurer.registerCallableInterceptors(RateLimitHeaderFilter.callableInterceptor());
                    }
                };
            }
        }
    }

    /** The RateLimit fields on every response of a WebFlux handler of a limited Mono or Flux. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
    @ConditionalOnBooleanProperty(name = "ratewarden.web.rate-limit-headers")
    static class ReactiveFields {

        /**
         * The web filter that writes them.
         *
         * @return the web filter
         */
        @Bean
        @ConditionalOnMissingBean
        RateLimitHeaderWebFilter rateLimitHeaderWebFilter() {
            return new RateLimitHeaderWebFilter();
        }
    }
}
