package io.ratewarden.spring.autoconfigure;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.aop.framework.autoproxy.AbstractBeanFactoryAwareAdvisingPostProcessor;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Limits the {@code @RateLimited} methods of beans whose classes no AspectJ weaving reached, through
 * Spring AOP proxies, so that the starter limits them without the AspectJ Maven plugin. Beans of
 * woven classes are left alone: the aspect limits them, once. Says once, at INFO when the context
 * has started, which beans it proxied and what a proxy cannot cover: calls from inside the same
 * object, and private, final or static methods (it names those it found).
 */
public class RateLimitedProxies extends AbstractBeanFactoryAwareAdvisingPostProcessor
        implements SmartInitializingSingleton {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger("io.ratewarden.spring");

    private final Set<String> proxied = new TreeSet<>();
    private final Set<String> uncovered = new TreeSet<>();

    /** Creates the post-processor, whose proxies subclass the bean's class. */
    public RateLimitedProxies() {
        this.advisor = new DefaultPointcutAdvisor(new RateLimitedPointcut(), new RateLimitedInterceptor());
        setBeforeExistingAdvisors(true);
        setProxyTargetClass(true);
    }

    @Override
    protected boolean isEligible(Object bean, String beanName) {
        boolean eligible = super.isEligible(bean, beanName);
        if (eligible) {
            Class<?> type = AopUtils.getTargetClass(bean);
            synchronized (this) {
                proxied.add(beanName);
                uncovered.addAll(uncoveredMethods(type));
            }
        }
        return eligible;
    }

    /** The limited methods of unwoven classes in {@code type}'s hierarchy a proxy cannot reach. */
    private static List<String> uncoveredMethods(Class<?> type) {
        List<String> methods = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            if (WovenClasses.isWoven(c)) {
                continue;
            }
            for (Method method : c.getDeclaredMethods()) {
                int modifiers = method.getModifiers();
                String why = Modifier.isPrivate(modifiers) ? "private" : Modifier.isStatic(modifiers) ? "static"
                        : Modifier.isFinal(modifiers) ? "final" : null;
                if (why != null && RateLimitedPointcut.isLimited(method)) {
                    methods.add(c.getSimpleName() + "#" + method.getName() + " (" + why + ")");
                }
            }
        }
        return methods;
    }

    /**
     * Returns the beans proxied so far.
     *
     * @return their names, a copy; safe from any thread
     */
    public synchronized Set<String> proxiedBeans() {
        return Set.copyOf(proxied);
    }

    @Override
    public void afterSingletonsInstantiated() {
        synchronized (this) {
            if (proxied.isEmpty()) {
                return;
            }
            LOG.info("Ratewarden limits the @RateLimited methods of {} through Spring AOP proxies, as no AspectJ"
                    + " weaving reached their classes. A proxy limits calls made through it; calls from inside the same"
                    + " object, and private, final or static methods, are not limited{}. Weave with AspectJ to cover them"
                    + " (docs/weaving.md).", proxied, uncovered.isEmpty() ? "" : " (here: " + uncovered + ")");
        }
    }
}
