package io.ratewarden.aspectj;

import static java.util.concurrent.TimeUnit.MICROSECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.KeyResolver;
import io.ratewarden.RateLimited;
import io.ratewarden.RateLimitedValidator;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each invalid annotation fails the first call of its method with an IllegalStateException naming
 * the method and the attribute, and the validator reports all of them without calling anything.
 */
@Tag("unit")
class InvalidAnnotationTest {

    @RegisterExtension
    final Installed installed = new Installed();

    record Order(String id) {
    }

    static final class NoDefaultConstructor implements KeyResolver {
        NoDefaultConstructor(String unused) {
        }

        @Override
        public String resolve(Method method, Object target, Object[] args) {
            return "";
        }
    }

    static class Broken {
        @RateLimited(permits = 0)
        void zeroPermits() {
        }

        @RateLimited(permits = 5, window = 0)
        void zeroWindow() {
        }

        @RateLimited(permits = 5, window = 500, unit = MICROSECONDS)
        void subMillisecondWindow() {
        }

        @RateLimited(permits = 5, cost = 6)
        void costAbovePermits() {
        }

        @RateLimited(permits = 5, maxWaitMillis = -1)
        void negativeWait() {
        }

        @RateLimited(permits = 5, key = "#userId")
        void unknownParameter(String user) {
        }

        @RateLimited(permits = 5, key = "#p3")
        void positionOutOfRange(String user) {
        }

        @RateLimited(permits = 5, key = "#order.customer")
        void unknownProperty(Order order) {
        }

        @RateLimited(permits = 5, key = "user")
        void malformedKey(String user) {
        }

        @RateLimited(permits = 5, key = "#user", keyResolver = NoDefaultConstructor.class)
        void keyAndResolver(String user) {
        }

        @RateLimited(permits = 5, keyResolver = NoDefaultConstructor.class)
        void resolverWithoutConstructor(String user) {
        }

        @RateLimited(permits = 5, fallbackMethod = "missing")
        void missingFallback() {
        }

        @RateLimited(permits = 5, fallbackMethod = "wrongReturn")
        String fallbackReturnsWrongType() {
            return "";
        }

        Integer wrongReturn() {
            return 1;
        }

        @RateLimited(permits = 5, fallbackMethod = "staticFallback")
        void fallbackStaticMismatch() {
        }

        static void staticFallback() {
        }

        @RateLimited(name = "twice", permits = 5)
        @RateLimited(name = "twice", permits = 6)
        void sameNameTwice() {
        }

        @RateLimited(permits = -1)
        void negativePermits() {
        }

        @RateLimited(permits = 5, tier = "#plan")
        void unknownTier(String user) {
        }

        @RateLimited(permits = -2)
        CompletableFuture<String> invalidAsync() {
            return CompletableFuture.completedFuture("");
        }
    }

    static class Conflicting {
        @RateLimited(name = "shared", permits = 5)
        void five() {
        }

        @RateLimited(name = "shared", permits = 7)
        void seven() {
        }
    }

    private final Broken broken = new Broken();

    @Test
    void everyInvalidCaseFailsTheFirstCallNamingMethodAndAttribute() {
        assertInvalid(broken::zeroPermits, "zeroPermits()", "permits: Limit '" + Broken.class.getName()
                + "#zeroPermits()' is defined nowhere: set ratewarden.limits." + Broken.class.getName()
                + "#zeroPermits().permits");
        assertInvalid(broken::negativePermits, "negativePermits()", "permits: must be at least 1, or 0 for"
                + " ratewarden.limits.");
        assertInvalid(broken::zeroWindow, "zeroWindow()", "window: must be at least 1, was 0");
        assertInvalid(broken::subMillisecondWindow, "subMillisecondWindow()", "window: 500 MICROSECONDS");
        assertInvalid(broken::costAbovePermits, "costAbovePermits()", "cost: must be between 1 and permits (5), was 6");
        assertInvalid(broken::negativeWait, "negativeWait()", "maxWaitMillis: must be at least 0");
        assertInvalid(() -> broken.unknownParameter("a"), "unknownParameter(java.lang.String)",
                "key: '#userId': unknown key parameter 'userId'");
        assertInvalid(() -> broken.positionOutOfRange("a"), "positionOutOfRange(java.lang.String)",
                "key: '#p3': #p3 is out of range");
        assertInvalid(() -> broken.unknownProperty(new Order("1")), "unknownProperty(",
                "key: '#order.customer': " + Order.class.getName() + " has no getter, accessor or public field 'customer'");
        assertInvalid(() -> broken.malformedKey("a"), "malformedKey(java.lang.String)", "key: 'user'");
        assertInvalid(() -> broken.keyAndResolver("a"), "keyAndResolver(java.lang.String)",
                "key: set either key or keyResolver, not both");
        assertInvalid(() -> broken.resolverWithoutConstructor("a"), "resolverWithoutConstructor(java.lang.String)",
                "keyResolver: cannot instantiate " + NoDefaultConstructor.class.getName());
        assertInvalid(broken::missingFallback, "missingFallback()", "fallbackMethod: no method missing()");
        assertInvalid(broken::fallbackReturnsWrongType, "fallbackReturnsWrongType()",
                "fallbackMethod: wrongReturn returns java.lang.Integer, which is not assignable to java.lang.String");
        assertInvalid(broken::fallbackStaticMismatch, "fallbackStaticMismatch()",
                "fallbackMethod: staticFallback must not be static");
        assertInvalid(broken::sameNameTwice, "sameNameTwice()", "name: limit 'twice' is declared twice");
        assertInvalid(broken::invalidAsync, "invalidAsync()", "permits: must be at least 1");
        assertInvalid(() -> broken.unknownTier("a"), "unknownTier(java.lang.String)",
                "tier: '#plan': unknown key parameter 'plan'");
    }

    @Test
    void aLimitNameDeclaredWithTwoDefinitionsFailsTheSecondMethod() {
        Conflicting conflicting = new Conflicting();
        conflicting.five();
        assertInvalid(conflicting::seven, "seven()", "name: Limit 'shared'");
        assertThatThrownBy(conflicting::seven).hasMessageContaining("already defined as 5 per PT1S")
                .hasMessageContaining("7 per PT1S");
    }

    @Test
    void validatorReportsEveryProblemWithoutCallingAnything() {
        List<String> problems = RateLimitedValidator.validate(Broken.class, Conflicting.class);
        assertThat(problems).hasSize(19);
        assertThat(problems).allSatisfy(p -> assertThat(p).startsWith(InvalidAnnotationTest.class.getName()));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("Broken#zeroPermits: permits: limit '")
                .contains("is defined nowhere: set ratewarden.limits."));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("Broken#unknownTier: tier: '#plan'"));
        assertThat(problems).anySatisfy(p -> assertThat(p)
                .contains("Conflicting#seven: name: limit 'shared' is declared as 7 per PT1S here but as 5 per PT1S"));
        assertThatThrownBy(() -> RateLimitedValidator.requireValid(Broken.class))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("zeroWindow");
        assertThat(RateLimitedValidator.validate(WovenMethodKindsTest.Service.class)).isEmpty();
    }

    private static void assertInvalid(Runnable call, String method, String attributeMessage) {
        assertThatThrownBy(call::run)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("@RateLimited on " + InvalidAnnotationTest.class.getName())
                .hasMessageContaining(method)
                .hasMessageContaining(attributeMessage);
        // Every later call fails the same way: a bad annotation never silently stops limiting.
        assertThatThrownBy(call::run).isInstanceOf(IllegalStateException.class).hasMessageContaining(attributeMessage);
    }
}
