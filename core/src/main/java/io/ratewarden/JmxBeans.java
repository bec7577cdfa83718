package io.ratewarden;

import io.ratewarden.jmx.LimitMXBean;
import io.ratewarden.jmx.RatewardenMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.management.AttributeList;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import javax.management.StandardMBean;

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

    /**
     * Registers the instance's MXBean, which reads {@code metrics} and probes with {@code probe}.
     */
    void registerInstance(Supplier<Metrics> metrics, BooleanSupplier probe) {
        InstanceView view = new InstanceView(metrics, probe);
        register(new Snapshotted<>(view, RatewardenMXBean.class, view.batch, metrics), instanceObjectName());
    }

    void registerLimit(Limiter limiter) {
        LimitView view = new LimitView(limiter);
        try {
            register(new Snapshotted<>(view, LimitMXBean.class, view.batch, limiter::metrics), new ObjectName("io.ratewarden:type=Limit,instance="
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

    /**
     * An MXBean whose attributes read together come from one snapshot: {@code getAttributes}
     * takes the snapshot once, and each getter it calls reads that one; a single attribute read
     * takes a snapshot of its own.
     */
    private static final class Snapshotted<T, S> extends StandardMBean {
        private final ThreadLocal<S> batch;
        private final Supplier<S> snapshots;

        Snapshotted(T view, Class<T> type, ThreadLocal<S> batch, Supplier<S> snapshots) {
            super(view, type, true);
            this.batch = batch;
            this.snapshots = snapshots;
        }

        @Override
        public AttributeList getAttributes(String[] names) {
            batch.set(snapshots.get());
            try {
                return super.getAttributes(names);
            } finally {
                batch.remove();
            }
        }
    }

    /** The snapshot a getter reads: the batch's, else a fresh one. */
    private static <S> S current(ThreadLocal<S> batch, Supplier<S> snapshots) {
        S inBatch = batch.get();
        return inBatch != null ? inBatch : snapshots.get();
    }

    /** The instance's MXBean: every attribute from {@link Ratewarden#metrics()}. */
    private static final class InstanceView implements RatewardenMXBean {
        private final Supplier<Metrics> snapshots;
        private final BooleanSupplier probe;
        private final ThreadLocal<Metrics> batch = new ThreadLocal<>();

        InstanceView(Supplier<Metrics> snapshots, BooleanSupplier probe) {
            this.snapshots = snapshots;
            this.probe = probe;
        }

        private Metrics metrics() {
            return current(batch, snapshots);
        }

        @Override
        public String getBackend() {
            return metrics().store().backend().name();
        }

        @Override
        public String getState() {
            return metrics().store().state().name();
        }

        @Override
        public boolean isHealthy() {
            return metrics().store().healthy();
        }

        @Override
        public String getRedisUrl() {
            return metrics().store().redisUrl();
        }

        @Override
        public String getSince() {
            return metrics().store().since().toString();
        }

        @Override
        public long getFailovers() {
            return metrics().store().failovers();
        }

        @Override
        public long getRecoveries() {
            return metrics().store().recoveries();
        }

        @Override
        public String getLastError() {
            return metrics().store().lastError();
        }

        @Override
        public double getRedisLatencyMillis() {
            StoreInfo info = metrics().store();
            return info.redisLatency() == null ? -1 : info.redisLatency().toNanos() / 1e6;
        }

        @Override
        public long getLocalKeys() {
            return metrics().store().localKeys();
        }

        @Override
        public long getPermitted() {
            return metrics().permitted();
        }

        @Override
        public long getRejected() {
            return metrics().rejected();
        }

        @Override
        public long getFallbackDecisions() {
            return metrics().fallbackDecisions();
        }

        @Override
        public long getCachedRejections() {
            return metrics().cachedRejections();
        }

        @Override
        public long getRedisCalls() {
            return metrics().redisCalls();
        }

        @Override
        public int getProbesToRecover() {
            return metrics().probesToRecover();
        }

        @Override
        public boolean probe() {
            return probe.getAsBoolean();
        }
    }

    /** One limit's MXBean: its counters from {@link Limiter#metrics()}. */
    private static final class LimitView implements LimitMXBean {
        private final Limiter limiter;
        private final ThreadLocal<Metrics.LimitMetrics> batch = new ThreadLocal<>();

        LimitView(Limiter limiter) {
            this.limiter = limiter;
        }

        private Metrics.LimitMetrics metrics() {
            return current(batch, limiter::metrics);
        }

        @Override
        public long getPermits() {
            return metrics().limit().permits();
        }

        @Override
        public long getWindowMillis() {
            return metrics().limit().windowMillis();
        }

        @Override
        public long getPermitted() {
            return metrics().permitted();
        }

        @Override
        public long getRejected() {
            return metrics().rejected();
        }

        @Override
        public String getOverride() {
            Limit override = limiter.overridden();
            return override == null ? null : override.toString();
        }

        @Override
        public boolean isShadow() {
            return metrics().shadow();
        }

        @Override
        public long getShadowRejected() {
            return metrics().shadowRejected();
        }

        @Override
        public long getNearLimit() {
            return metrics().nearLimit();
        }

        @Override
        public long getStoreFailureRejected() {
            return metrics().storeFailureRejected();
        }

        @Override
        public void override(long permits, long windowMillis) {
            limiter.override(Limit.of(permits, java.time.Duration.ofMillis(windowMillis)));
        }

        @Override
        public void override(long permits, long windowMillis, long expiryMillis) {
            limiter.override(Limit.of(permits, java.time.Duration.ofMillis(windowMillis)),
                    java.time.Duration.ofMillis(expiryMillis));
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
        public void overrideTier(String tier, long permits, long windowMillis, long expiryMillis) {
            limiter.tier(tier).override(Limit.of(permits, java.time.Duration.ofMillis(windowMillis)),
                    java.time.Duration.ofMillis(expiryMillis));
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
