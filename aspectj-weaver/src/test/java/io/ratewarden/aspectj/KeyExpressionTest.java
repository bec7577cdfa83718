package io.ratewarden.aspectj;

import static java.util.concurrent.TimeUnit.HOURS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.KeyResolver;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Key expressions isolate callers: one permit per key and hour in every method here. */
@Tag("unit")
class KeyExpressionTest {

    @RegisterExtension
    final Installed installed = new Installed();

    record Tenant(String id) {
    }

    static final class Request {
        private final Tenant tenant;
        private final boolean internal;

        Request(Tenant tenant, boolean internal) {
            this.tenant = tenant;
            this.internal = internal;
        }

        public Tenant getTenant() {
            return tenant;
        }

        public boolean isInternal() {
            return internal;
        }
    }

    static final class Envelope {
        public final Request request;

        Envelope(Request request) {
            this.request = request;
        }
    }

    public static final class HeaderResolver implements KeyResolver {
        @Override
        public String resolve(Method method, Object target, Object[] args) {
            @SuppressWarnings("unchecked")
            Map<String, String> headers = (Map<String, String>) args[0];
            return method.getName() + "/" + headers.get("X-Api-Key");
        }
    }

    static class Api {
        @RateLimited(permits = 1, window = 1, unit = HOURS, key = "#user")
        String byName(String user) {
            return "ok " + user;
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, key = "#p1")
        String byPosition(String ignored, int user) {
            return "ok " + user;
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, key = "#request.tenant.id")
        String throughGetterAndRecord(Request request) {
            return "ok";
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, key = "#envelope.request.internal")
        String throughFieldAndIsGetter(Envelope envelope) {
            return "ok";
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, key = "#region, #user")
        String composite(String region, String user) {
            return "ok";
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, key = "#c, #a")
        String threeParameters(String a, int b, String c) {
            return "ok";
        }

        @RateLimited(permits = 1, window = 1, unit = HOURS, keyResolver = HeaderResolver.class)
        String resolved(Map<String, String> headers) {
            return "ok";
        }
    }

    private final Api api = new Api();

    @Test
    void parameterNameIsolatesCallers() {
        assertThat(api.byName("alice")).isEqualTo("ok alice");
        assertThat(api.byName("bob")).isEqualTo("ok bob");
        assertRejectedWithKey(() -> api.byName("alice"), "alice");
        assertRejectedWithKey(() -> api.byName("bob"), "bob");
    }

    @Test
    void positionWorksWithoutParameterNames() {
        api.byPosition("x", 7);
        api.byPosition("y", 8);
        assertRejectedWithKey(() -> api.byPosition("z", 7), "7");
    }

    @Test
    void nestedPathThroughGetterAndRecordAccessor() {
        api.throughGetterAndRecord(new Request(new Tenant("t1"), false));
        api.throughGetterAndRecord(new Request(new Tenant("t2"), false));
        assertRejectedWithKey(() -> api.throughGetterAndRecord(new Request(new Tenant("t1"), true)), "t1");
    }

    @Test
    void nestedPathThroughPublicFieldAndBooleanGetter() {
        api.throughFieldAndIsGetter(new Envelope(new Request(null, true)));
        api.throughFieldAndIsGetter(new Envelope(new Request(null, false)));
        assertRejectedWithKey(() -> api.throughFieldAndIsGetter(new Envelope(new Request(null, true))), "true");
    }

    @Test
    void nullPartsBecomeTheTextNull() {
        api.throughGetterAndRecord(new Request(new Tenant(null), false));
        assertRejectedWithKey(() -> api.throughGetterAndRecord(new Request(null, false)), "null");
        assertRejectedWithKey(() -> api.throughGetterAndRecord(null), "null");
        api.byName(null);
        assertRejectedWithKey(() -> api.byName("null"), "null");
    }

    @Test
    void partsAreJoinedWithColons() {
        api.composite("eu", "alice");
        api.composite("us", "alice");
        api.composite(null, "alice");
        assertRejectedWithKey(() -> api.composite("eu", "alice"), "eu:alice");
        assertRejectedWithKey(() -> api.composite(null, "alice"), "null:alice");
    }

    @Test
    void methodsOfAnyArityGetTheirKeys() {
        api.threeParameters("a", 1, "c");
        api.threeParameters("a", 2, "d");
        assertRejectedWithKey(() -> api.threeParameters("a", 3, "c"), "c:a");
        api.byPosition("first", 1);
        assertRejectedWithKey(() -> api.byPosition("second", 1), "1");
    }

    @Test
    void resolverComputesTheKey() {
        api.resolved(Map.of("X-Api-Key", "k1"));
        api.resolved(Map.of("X-Api-Key", "k2"));
        assertRejectedWithKey(() -> api.resolved(Map.of("X-Api-Key", "k1")), "resolved/k1");
    }

    static void assertRejectedWithKey(Supplier<?> call, String key) {
        assertThatThrownBy(call::get)
                .isInstanceOfSatisfying(RateLimitExceededException.class, e -> assertThat(e.key()).isEqualTo(key));
    }
}
