package io.ratewarden.aspectj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.ratewarden.Ratewarden;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The aspect keeps a woven class's limits no longer than the class: a web application redeployed
 * in a server that loaded Ratewarden from a shared class loader must not leak its classes.
 */
@Tag("unit")
class JoinPointUnloadingTest {

    private static final String WOVEN = "io.ratewarden.aspectj.unloadable.Greeter";

    @Test
    void aWovenClassAndItsLoaderAreCollectedOnceUnused() throws Exception {
        try (Ratewarden ratewarden = Ratewarden.builder().name("unloading").jmx(false).build()) {
            Ratewarden.install(ratewarden);
            WeakReference<ClassLoader> loader = useInOwnLoader();

            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
                System.gc();
                return loader.get() == null;
            });
        }
    }

    /** Loads the woven class in a child-first loader, proves that it is limited, and forgets both. */
    @SuppressWarnings("unchecked")
    private static WeakReference<ClassLoader> useInOwnLoader() throws Exception {
        ClassLoader own = new OneClassLoader(JoinPointUnloadingTest.class.getClassLoader());
        Class<?> type = own.loadClass(WOVEN);
        assertThat(type.getClassLoader()).isSameAs(own);
        Supplier<String> greeter = (Supplier<String>) type.getConstructor().newInstance();
        assertThat(greeter.get()).isEqualTo("hello");
        assertThat(greeter.get()).as("the limit holds: the fallback answers").isEqualTo("busy");
        return new WeakReference<>(own);
    }

    /** Defines the woven class itself from its bytes; delegates every other class. */
    private static final class OneClassLoader extends ClassLoader {

        OneClassLoader(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.equals(WOVEN)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded != null) {
                    return loaded;
                }
                try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                    byte[] bytes = in.readAllBytes();
                    return defineClass(name, bytes, 0, bytes.length);
                } catch (IOException e) {
                    throw new ClassNotFoundException(name, e);
                }
            }
        }
    }
}
