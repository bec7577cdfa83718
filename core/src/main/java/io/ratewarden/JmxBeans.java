package io.ratewarden;

import io.ratewarden.internal.store.InstanceStore;
import io.ratewarden.jmx.LimitMXBean;
import io.ratewarden.jmx.RatewardenMXBean;
import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Registers and unregisters one instance's MXBeans on the platform MBean server. Registration of
 * the instance fails fast on a duplicate name; unregistration is idempotent.
 */
final class JmxBeans {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final String instanceName;
    private final List<ObjectName> registered = new CopyOnWriteArrayList<>();

    private JmxBeans(String instanceName) {
        this.instanceName = instanceName;
    }

    /** Checks that no instance of this name is registered yet, before anything is built. */
    static JmxBeans claim(String instanceName) {
        JmxBeans beans = new JmxBeans(instanceName);
        if (beans.server.isRegistered(beans.instanceObjectName())) {
            throw duplicate(instanceName);
        }
        return beans;
    }

    void registerInstance(Ratewarden ratewarden, InstanceStore store, Supplier<Collection<Limiter>> limiters) {
        register(new InstanceView(ratewarden, store, limiters), instanceObjectName());
    }

    void registerLimit(Limiter limiter) {
        try {
            register(new LimitView(limiter), new ObjectName("io.ratewarden:type=Limit,instance="
                    + ObjectName.quote(instanceName) + ",name=" + ObjectName.quote(limiter.name())));
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException("cannot name the MXBean of limit '" + limiter.name() + "'", e);
        }
    }

    void unregisterAll() {
        for (ObjectName name : registered) {
            try {
                server.unregisterMBean(name);
            } catch (InstanceNotFoundException alreadyGone) {
                // idempotent
            } catch (JMException e) {
                throw new IllegalStateException("cannot unregister " + name, e);
            }
            registered.remove(name);
        }
    }

    private void register(Object bean, ObjectName name) {
        try {
            server.registerMBean(bean, name);
            registered.add(name);
        } catch (InstanceAlreadyExistsException e) {
            throw duplicate(instanceName);
        } catch (JMException e) {
            throw new IllegalStateException("cannot register " + name, e);
        }
    }

    private ObjectName instanceObjectName() {
        try {
            return new ObjectName("io.ratewarden:type=Ratewarden,name=" + ObjectName.quote(instanceName));
        } catch (MalformedObjectNameException e) {
            throw new IllegalStateException("cannot name the MXBean of '" + instanceName + "'", e);
        }
    }

    private static IllegalStateException duplicate(String instanceName) {
        return new IllegalStateException("A Ratewarden named '" + instanceName + "' is already registered in JMX;"
                + " give each instance its own name(...), close the other one, or build with jmx(false)");
    }

    /** The instance's MXBean: reads the store's report and sums the limits' counters. */
    private static final class InstanceView implements RatewardenMXBean {
        private final Ratewarden ratewarden;
        private final InstanceStore store;
        private final Supplier<Collection<Limiter>> limiters;

        InstanceView(Ratewarden ratewarden, InstanceStore store, Supplier<Collection<Limiter>> limiters) {
            this.ratewarden = ratewarden;
            this.store = store;
            this.limiters = limiters;
        }

        @Override
        public String getBackend() {
            return store.info().backend().name();
        }

        @Override
        public String getState() {
            return store.info().state().name();
        }

        @Override
        public boolean isHealthy() {
            return store.isHealthy();
        }

        @Override
        public String getRedisUrl() {
            return store.info().redisUrl();
        }

        @Override
        public String getSince() {
            return store.info().since().toString();
        }

        @Override
        public long getFailovers() {
            return store.info().failovers();
        }

        @Override
        public long getRecoveries() {
            return store.info().recoveries();
        }

        @Override
        public String getLastError() {
            return store.info().lastError();
        }

        @Override
        public double getRedisLatencyMillis() {
            StoreInfo info = store.info();
            return info.redisLatency() == null ? -1 : info.redisLatency().toNanos() / 1e6;
        }

        @Override
        public long getLocalKeys() {
            return store.info().localKeys();
        }

        @Override
        public long getPermitted() {
            long sum = 0;
            for (Limiter limiter : limiters.get()) {
                sum += limiter.permitted();
            }
            return sum;
        }

        @Override
        public long getRejected() {
            long sum = 0;
            for (Limiter limiter : limiters.get()) {
                sum += limiter.rejected();
            }
            return sum;
        }

        @Override
        public long getFallbackDecisions() {
            return store.fallbackDecisions();
        }

        @Override
        public long getCachedRefusals() {
            return store.cachedRefusals();
        }

        @Override
        public int getProbesToRecover() {
            return store.probesToRecover();
        }

        @Override
        public boolean probe() {
            return ratewarden.probe();
        }
    }

    /** One limit's MXBean. */
    private static final class LimitView implements LimitMXBean {
        private final Limiter limiter;

        LimitView(Limiter limiter) {
            this.limiter = limiter;
        }

        @Override
        public long getPermits() {
            return limiter.limit().permits();
        }

        @Override
        public long getWindowMillis() {
            return limiter.limit().windowMillis();
        }

        @Override
        public long getPermitted() {
            return limiter.permitted();
        }

        @Override
        public long getRejected() {
            return limiter.rejected();
        }

        @Override
        public String getOverride() {
            Limit override = limiter.overridden();
            return override == null ? null : override.toString();
        }

        @Override
        public boolean isShadow() {
            return limiter.isShadow();
        }

        @Override
        public long getShadowRejected() {
            return limiter.shadowRejected();
        }

        @Override
        public void override(long permits, long windowMillis) {
            limiter.override(Limit.of(permits, java.time.Duration.ofMillis(windowMillis)));
        }

        @Override
        public void clearOverride() {
            limiter.clearOverride();
        }

        @Override
        public void overrideTier(String tier, long permits, long windowMillis) {
            limiter.tier(tier).override(Limit.of(permits, java.time.Duration.ofMillis(windowMillis)));
        }

        @Override
        public void clearTierOverride(String tier) {
            limiter.tier(tier).clearOverride();
        }

        @Override
        public long remaining(String key) {
            return limiter.remaining(key);
        }

        @Override
        public void reset(String key) {
            limiter.reset(key);
        }
    }
}
