package io.ratewarden;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.TimeUnit;

/**
 * Limits how often the annotated method may run: at most {@link #permits()} permits in any
 * sliding window of {@link #window()} {@link #unit()}s, per key.
 *
 * <p>The annotation takes effect on methods woven by the Ratewarden aspect (compile-time
 * weaving with the AspectJ Maven plugin, or load-time weaving with the AspectJ agent). The
 * aspect weaves method executions, so the limit holds for public, private and static methods
 * and for calls from inside the same object. Each call asks the instance installed with
 * {@link Ratewarden#install(Ratewarden)} for a permit; when none was installed, the first call
 * installs {@link Ratewarden#fromEnvironment()}.
 *
 * <p>A call that is not granted throws {@link RateLimitExceededException}, or calls
 * {@link #fallbackMethod()} when one is named. A method returning {@code CompletionStage} or
 * {@code CompletableFuture} gets a failed future instead of a throw, and waits
 * ({@link #maxWaitMillis()}) without blocking its caller's thread.
 *
 * <p>The annotation is {@linkplain Repeatable repeatable}: every limit declared on a method
 * applies, and a call passes only when every limit grants it. Limits are asked in declaration
 * order and the first rejection stops the chain: a rejected call keeps the permits it took from
 * the limits before the one that rejected it and takes none from those after it. Declare the
 * limit most likely to reject first.
 *
 * <p>An invalid annotation (see {@link RateLimitedValidator}) fails the first call of its method
 * with an {@link IllegalStateException} naming the method and the attribute at fault.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@Repeatable(RateLimited.List.class)
public @interface RateLimited {

    /**
     * The limit's name. Methods that name the same limit share its permits (and must declare the
     * same permits and window). The default, {@code ""}, names the limit after the method:
     * {@code com.example.Quotes#quote(java.lang.String,java.lang.String)}.
     *
     * @return the limit's name, or {@code ""} for the method's own limit
     */
    String name() default "";

    /**
     * Permits granted per window, at least 1; the default, 0, takes them from configuration
     * ({@code ratewarden.limits.<name>.permits}), and a call of a limit defined nowhere fails
     * with an {@link IllegalStateException} naming that property. Configuration comes first when
     * it sets them too.
     *
     * @return permits per window, or 0 for configuration's
     */
    long permits() default 0;

    /**
     * Length of the sliding window, in {@link #unit()}s; at least 1. Configuration
     * ({@code ratewarden.limits.<name>.window}) comes first when it sets one.
     *
     * @return the window length
     */
    long window() default 1;

    /**
     * Unit of {@link #window()}. The window is at least one millisecond long.
     *
     * @return the window's unit
     */
    TimeUnit unit() default TimeUnit.SECONDS;

    /**
     * Key expression: one or more comma-separated paths into the method's arguments, such as
     * {@code #userId}, {@code #p0} (the first argument, which works without {@code -parameters})
     * or {@code #request.tenant.id} (getters, record accessors and public fields). The parts are
     * joined with {@code :}; a {@code null} part becomes the text {@code null}. The default,
     * {@code ""}, applies one limit to all callers. The expression is parsed and bound once per
     * method.
     *
     * @return the key expression, or {@code ""} for one limit shared by all callers
     */
    String key() default "";

    /**
     * Tier expression: a path into the method's arguments, as {@link #key()} takes, whose value
     * names the caller's tier ({@code #user.plan}). A tier configured as
     * {@code ratewarden.limits.<name>.tiers.<tier>.permits} and {@code .window} has its own
     * limit; a {@code null} or unconfigured tier has the limit's own. Tiers never share counts.
     * Bound once per method. The default, {@code ""}, means no tier.
     *
     * @return the tier expression, or {@code ""}
     */
    String tier() default "";

    /**
     * Whether the limit is in shadow mode: calls are decided and counted as usual, but a call it
     * would reject proceeds, counted by {@link Limiter#shadowRejected()}. For trying a limit in
     * production without rejecting anyone. A property of the limit, whichever method names it;
     * configuration ({@code ratewarden.limits.<name>.shadow}) comes first.
     *
     * @return whether the limit rejects nothing
     */
    boolean shadow() default false;

    /**
     * A resolver class that computes the key instead of {@link #key()}; it needs a public or
     * otherwise accessible no-argument constructor and is instantiated once per method. The
     * default, {@link KeyResolver.None}, means no resolver. {@code key} and {@code keyResolver}
     * exclude each other.
     *
     * @return the resolver class
     */
    Class<? extends KeyResolver> keyResolver() default KeyResolver.None.class;

    /**
     * Permits one call takes; between 1 and the limit's permits.
     *
     * @return the cost of one call
     */
    int cost() default 1;

    /**
     * How long, in milliseconds, a call may wait for its permits; 0 rejects at once. A waiting
     * synchronous call parks its thread; a method returning a {@code CompletionStage} waits
     * without blocking its caller.
     *
     * @return the longest wait, in milliseconds, at least 0
     */
    long maxWaitMillis() default 0;

    /**
     * What a call gets when Redis cannot decide. {@link FailurePolicy#DEFAULT} uses the
     * policy the {@link Ratewarden} instance was built with.
     *
     * @return the failure policy of this limit
     */
    FailurePolicy onStoreFailure() default FailurePolicy.DEFAULT;

    /**
     * Name of a method of the same class called instead of throwing when the call is rejected.
     * It takes the same parameters, optionally followed by one {@link RateLimitExceededException},
     * returns a type assignable to this method's return type, and is static exactly when this
     * method is. The default, {@code ""}, means no fallback.
     *
     * @return the fallback method's name, or {@code ""}
     */
    String fallbackMethod() default "";

    /**
     * Failures that give the call's permits back: when the method throws one of these types (or
     * a subclass), or the {@code CompletionStage}, {@code Mono} or {@code Flux} it returns fails
     * with one, the permits this limit took for the call are given back (as
     * {@link Limiter#refund(String, long)} does, to the call's key) before the failure reaches the
     * caller. For a call that should not count: a downstream error, a validation error. A
     * refund that cannot be made (Redis unreachable) leaves the permits taken, said at DEBUG; the
     * call stays counted as permitted. A limit in shadow mode gives nothing back. The default,
     * empty, keeps the permits whatever the method throws.
     *
     * @return the failures that give permits back
     */
    Class<? extends Throwable>[] refundOn() default {};

    /**
     * Holds repeated {@link RateLimited} annotations; written by the compiler, rarely by hand.
     */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface List {
        /**
         * The repeated annotations, in declaration order.
         *
         * @return the limits of the method
         */
        RateLimited[] value();
    }
}
