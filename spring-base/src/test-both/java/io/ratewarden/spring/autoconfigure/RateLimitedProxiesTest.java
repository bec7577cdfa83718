package io.ratewarden.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.ratewarden.Limit;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;
import io.ratewarden.Ratewarden;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockServletContext;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.support.AnnotationConfigWebApplicationContext;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The starter without any AspectJ weaving: beans whose classes carry {@code @RateLimited} are
 * limited through Spring AOP proxies, with the aspect's semantics, Reactor's at subscription
 * included; woven classes are left alone; and the start-up log says what a proxy cannot cover.
 */
@Tag("unit")
class RateLimitedProxiesTest {

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RatewardenAutoConfiguration.class,
                    RatewardenProxyAutoConfiguration.class))
            .withPropertyValues("ratewarden.jmx=false")
            .withUserConfiguration(Services.class);

    /** A service no AspectJ weaving reached: this module is compiled by javac. */
    public static class Quotes {
        private final AtomicInteger bodies = new AtomicInteger();

        /** The bodies run so far (a method: a proxy's own fields are not the bean's). */
        public int bodies() {
            return bodies.get();
        }

        @RateLimited(name = "proxied", permits = 2, window = 1, unit = TimeUnit.MINUTES, key = "#user")
        public String quote(String user) {
            bodies.incrementAndGet();
            return "quote for " + user;
        }

        @RateLimited(name = "proxied-fallback", permits = 1, window = 1, unit = TimeUnit.MINUTES,
                fallbackMethod = "cached")
        public String withFallback(String user) {
            return "fresh";
        }

        public String cached(String user) {
            return "cached";
        }

        @RateLimited(name = "proxied-mono", permits = 1, window = 1, unit = TimeUnit.MINUTES)
        public Mono<String> mono() {
            bodies.incrementAndGet();
            return Mono.just("mono");
        }

        @RateLimited(name = "proxied-flux", permits = 2, window = 1, unit = TimeUnit.MINUTES)
        public Flux<Integer> flux() {
            return Flux.just(1, 2);
        }

        @RateLimited(name = "proxied-refunded", permits = 2, window = 1, unit = TimeUnit.MINUTES, key = "#user",
                refundOn = IllegalStateException.class)
        public String upstream(String user, boolean fails) {
            bodies.incrementAndGet();
            if (fails) {
                throw new IllegalStateException("503 from upstream");
            }
            return "upstream for " + user;
        }

        @RateLimited(name = "proxied-refunded-mono", permits = 1, window = 1, unit = TimeUnit.MINUTES,
                refundOn = IllegalStateException.class)
        public Mono<String> upstreamMono(boolean fails) {
            return fails ? Mono.error(new IllegalStateException("503")) : Mono.just("ok");
        }

        @RateLimited(name = "proxied-hourly", permits = 5, window = 1, unit = TimeUnit.HOURS, key = "#user")
        @RateLimited(name = "proxied-burst", permits = 1, window = 1, unit = TimeUnit.HOURS, key = "#user")
        public String twoLimits(String user) {
            return "two for " + user;
        }

        /** Self-invocation: the proxy is not in the way, so the inner limit does not apply. */
        public String twice(String user) {
            return quote(user) + quote(user) + quote(user);
        }

        @RateLimited(name = "private", permits = 1)
        private void hidden() {
        }
    }

    /** A class that looks woven: ajc leaves a static join point field in what it weaves. */
    public static class LooksWoven {
        @SuppressWarnings("unused")
        private static final Object ajc$tjp_0 = null;

        @RateLimited(name = "woven", permits = 1, window = 1, unit = TimeUnit.MINUTES)
        public String call() {
            return "ok";
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Services {
        @Bean
        Quotes quotes() {
            return new Quotes();
        }

        @Bean
        LooksWoven looksWoven() {
            return new LooksWoven();
        }
    }

    @Test
    void anUnwovenBeanIsLimitedThroughAProxyWithTheAspectsSemantics() {
        contexts.run(context -> {
            Quotes quotes = context.getBean(Quotes.class);
            assertThat(AopUtils.isAopProxy(quotes)).isTrue();
            assertThat(quotes.quote("alice")).isEqualTo("quote for alice");
            assertThat(quotes.quote("alice")).isEqualTo("quote for alice");
            assertThatThrownBy(() -> quotes.quote("alice")).isInstanceOfSatisfying(RateLimitExceededException.class,
                    e -> {
                        assertThat(e.limitName()).isEqualTo("proxied");
                        assertThat(e.getMessage()).doesNotContain("alice");
                        assertThat(e.key()).isEqualTo("alice");
                    });
            assertThat(quotes.quote("bob")).as("a key of its own").isEqualTo("quote for bob");
            assertThat(quotes.withFallback("x")).isEqualTo("fresh");
            assertThat(quotes.withFallback("x")).isEqualTo("cached");
            assertThat(quotes.twice("carol")).as("calls from inside the object are not limited")
                    .isEqualTo("quote for carolquote for carolquote for carol");

            LooksWoven woven = context.getBean(LooksWoven.class);
            assertThat(AopUtils.isAopProxy(woven)).as("a woven class is the aspect's, never limited twice").isFalse();
            assertThat(context.getBean(RateLimitedProxies.class).proxiedBeans()).containsExactly("quotes");
        });
    }

    @Test
    void throughTheProxyRefundOnGivesPermitsBackAndSeveralLimitsAreAllOrNothing() {
        contexts.run(context -> {
            Quotes quotes = context.getBean(Quotes.class);
            Ratewarden rw = context.getBean(Ratewarden.class);
            for (int i = 0; i < 5; i++) {
                assertThatThrownBy(() -> quotes.upstream("dave", true)).isInstanceOf(IllegalStateException.class)
                        .hasMessage("503 from upstream");
                assertThatThrownBy(() -> quotes.upstreamMono(true).block(Duration.ofSeconds(5)))
                        .isInstanceOf(IllegalStateException.class);
            }
            assertThat(rw.limit("proxied-refunded", Limit.of(2, Duration.ofMinutes(1))).remaining("dave"))
                    .as("failed calls gave their permits back").isEqualTo(2);
            assertThat(quotes.upstream("dave", false)).isEqualTo("upstream for dave");
            assertThat(quotes.upstreamMono(false).block(Duration.ofSeconds(5))).isEqualTo("ok");

            assertThat(quotes.twoLimits("erin")).isEqualTo("two for erin");
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> quotes.twoLimits("erin")).isInstanceOfSatisfying(
                        RateLimitExceededException.class, e -> assertThat(e.limitName()).isEqualTo("proxied-burst"));
            }
            assertThat(rw.limit("proxied-hourly", Limit.of(5, Duration.ofHours(1))).remaining("erin"))
                    .as("refused calls took nothing from the earlier limit").isEqualTo(4);
        });
    }

    @Test
    void aMonoAndAFluxThroughTheProxyTakePermitsAtSubscription() {
        contexts.run(context -> {
            Quotes quotes = context.getBean(Quotes.class);
            Mono<String> assembled = quotes.mono();
            Mono<String> another = quotes.mono();
            assertThat(quotes.bodies()).as("nothing runs before a subscription").isZero();
            assertThat(assembled.block(Duration.ofSeconds(5))).isEqualTo("mono");
            assertThat(another.onErrorResume(RateLimitExceededException.class, e -> Mono.just("rejected"))
                    .block(Duration.ofSeconds(5))).as("a rejection is an error signal").isEqualTo("rejected");
            assertThat(assembled.onErrorResume(e -> Mono.just("again rejected")).block(Duration.ofSeconds(5)))
                    .as("each subscription asks again").isEqualTo("again rejected");
            List<Integer> twice = quotes.flux().repeat(1).collectList().block(Duration.ofSeconds(5));
            assertThat(twice).containsExactly(1, 2, 1, 2);
            assertThat(quotes.flux().materialize().blockFirst(Duration.ofSeconds(5)).getThrowable())
                    .isInstanceOf(RateLimitExceededException.class);
        });
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void theStartSaysOnceWhichBeansAreProxiedAndWhatAProxyCannotCover(CapturedOutput output) {
        contexts.run(context -> assertThat(context).hasNotFailed());
        List<String> said = output.getAll().lines().filter(line -> line.contains("Spring AOP proxies")).toList();
        assertThat(said).hasSize(1);
        assertThat(said.get(0)).contains("INFO").contains("[quotes]").contains("inside the same object")
                .contains("Quotes#hidden (private)");
        assertThat(output.getAll()).doesNotContain(" ERROR ");
    }

    @Test
    void proxiesCanBeSwitchedOff() {
        contexts.withPropertyValues("ratewarden.proxy.enabled=false").run(context ->
                assertThat(AopUtils.isAopProxy(context.getBean(Quotes.class))).isFalse());
    }

    /** A controller whose service is proxied, for the RateLimit fields on every response. */
    @RestController
    static class QuotesController {
        private final Quotes quotes;

        QuotesController(Quotes quotes) {
            this.quotes = quotes;
        }

        @GetMapping("/quotes/{user}")
        String quote(@PathVariable String user) {
            return quotes.quote(user);
        }
    }

    /** Asynchronous servlet handlers and a WebFlux handler returning a plain value. */
    @RestController
    static class AsyncQuotesController {
        private final Quotes quotes;

        AsyncQuotesController(Quotes quotes) {
            this.quotes = quotes;
        }

        @GetMapping("/callable/{user}")
        Callable<String> callable(@PathVariable String user) {
            return () -> quotes.quote(user); // runs on Spring MVC's task executor
        }

        @GetMapping("/future/{user}")
        CompletableFuture<String> future(@PathVariable String user) {
            String quote = quotes.quote(user);
            return CompletableFuture.supplyAsync(() -> quote);
        }

        @GetMapping("/deferred/{user}")
        DeferredResult<String> deferred(@PathVariable String user) {
            DeferredResult<String> result = new DeferredResult<>();
            String quote = quotes.quote(user);
            CompletableFuture.runAsync(() -> result.setResult(quote));
            return result;
        }

        @GetMapping("/plain/{user}")
        String plain(@PathVariable String user) {
            return quotes.quote(user);
        }
    }

    /** A Spring MVC application of its own: the asynchronous handlers need its task executor and interceptors. */
    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class AsyncWeb {
        @Bean
        WebMvcConfigurer rateLimitFieldsOfAsyncHandlers() {
            return new RatewardenWebAutoConfiguration.ServletFields.AsyncHandlers().rateLimitFieldsOfAsyncHandlers();
        }
    }

    @Test
    void asynchronousServletHandlersAreRecordedAndTheirResponsesCarryTheFields() {
        contexts.withPropertyValues("ratewarden.web.rate-limit-headers=true").run(context -> {
            Quotes quotes = context.getBean(Quotes.class);
            try (AnnotationConfigWebApplicationContext web = new AnnotationConfigWebApplicationContext()) {
                web.setServletContext(new MockServletContext());
                web.register(AsyncWeb.class);
                web.addBeanFactoryPostProcessor(beans -> beans.registerSingleton("asyncQuotesController",
                        new AsyncQuotesController(quotes)));
                web.refresh();
                MockMvc mvc = MockMvcBuilders.webAppContextSetup(web).addFilters(new RateLimitHeaderFilter()).build();
                for (String kind : List.of("callable", "future", "deferred")) {
                    String user = kind + "-user";
                    MvcResult started = mvc.perform(get("/" + kind + "/" + user))
                            .andExpect(request().asyncStarted()).andReturn();
                    mvc.perform(asyncDispatch(started)).andExpect(status().isOk())
                            .andExpect(content().string("quote for " + user))
                            .andExpect(header().string("RateLimit-Policy", "\"proxied\";q=2;w=60"))
                            .andExpect(header().string("RateLimit", "\"proxied\";r=1"));
                }
            }
        });
    }

    @Test
    void aWebFluxHandlerReturningAPlainValueCarriesTheFields() {
        contexts.withPropertyValues("ratewarden.web.rate-limit-headers=true").run(context -> {
            WebTestClient client = WebTestClient.bindToController(new AsyncQuotesController(context.getBean(Quotes.class)))
                    .webFilter(new RateLimitHeaderWebFilter()).build();
            client.get().uri("/plain/frank").exchange().expectStatus().isOk()
                    .expectHeader().valueEquals("RateLimit-Policy", "\"proxied\";q=2;w=60")
                    .expectHeader().valueEquals("RateLimit", "\"proxied\";r=1");
            client.get().uri("/plain/frank").exchange().expectStatus().isOk()
                    .expectHeader().valueEquals("RateLimit", "\"proxied\";r=0");
        });
    }

    @Test
    void everyResponseOfALimitedHandlerCarriesTheRateLimitFields() {
        contexts.withPropertyValues("ratewarden.web.rate-limit-headers=true").run(context -> {
            Ratewarden rw = context.getBean(Ratewarden.class);
            assertThat(rw.limit("reported", io.ratewarden.Limit.of(5, Duration.ofMinutes(1))).tryAcquire("k")
                    .remaining()).as("grants report the permits left").isEqualTo(4);
            MockMvc mvc = MockMvcBuilders.standaloneSetup(new QuotesController(context.getBean(Quotes.class)))
                    .setControllerAdvice(new RateLimitExceededHandler(true)).addFilters(new RateLimitHeaderFilter())
                    .build();
            mvc.perform(get("/quotes/alice")).andExpect(status().isOk())
                    .andExpect(header().string("RateLimit-Policy", "\"proxied\";q=2;w=60"))
                    .andExpect(header().string("RateLimit", "\"proxied\";r=1"));
            mvc.perform(get("/quotes/alice")).andExpect(status().isOk())
                    .andExpect(header().string("RateLimit", "\"proxied\";r=0"));
            mvc.perform(get("/quotes/alice")).andExpect(status().isTooManyRequests())
                    .andExpect(header().string("RateLimit", org.hamcrest.Matchers.startsWith("\"proxied\";r=0;t=")));
        });
    }
}
