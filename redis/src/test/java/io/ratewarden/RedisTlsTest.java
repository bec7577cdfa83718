package io.ratewarden;

import io.ratewarden.redis.RatewardenRedis;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratewarden.testing.RedisServerProcess;
import io.ratewarden.testing.TestRedis;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisson.config.Config;

/**
 * TLS ({@code rediss://}) with a private certificate authority and an ACL user: the setup of
 * managed Redis services. The test makes its own CA and server certificate with openssl.
 */
@Tag("redis")
class RedisTlsTest {

    private static final String PASSWORD = "tls-S3cret:@/+";

    @Test
    void tlsWithAPrivateCertificateAuthorityAndAnAclUser(@TempDir Path dir) throws Exception {
        makeCertificates(dir);
        int tlsPort = RedisServerProcess.freePort();
        try (RedisServerProcess server = TestRedis.controllable("--tls-port", Integer.toString(tlsPort),
                "--tls-cert-file", dir.resolve("server.crt").toString(),
                "--tls-key-file", dir.resolve("server.key").toString(),
                "--tls-ca-cert-file", dir.resolve("ca.crt").toString(),
                "--tls-auth-clients", "no")) {
            server.call("ACL", "SETUSER", "svc", "on", ">" + PASSWORD, "~*", "&*", "+@all");

            Config config = new Config();
            config.setUsername("svc");
            config.setPassword(PASSWORD);
            config.setSslTrustManagerFactory(trustManagers(dir.resolve("ca.crt")));
            config.useSingleServer().setAddress("rediss://127.0.0.1:" + tlsPort);
            try (Ratewarden rw = RedisFixtures.onRedis(RedisFixtures.builder("redis://unused:1")
                    .redis(RatewardenRedis.config(config)).redisTimeout(Duration.ofMillis(500)))) {
                Limiter limiter = rw.limit("tls", Limit.of(2, Duration.ofMinutes(1)));
                assertThat(limiter.tryAcquire("k").decidedBy()).isEqualTo(Backend.REDIS);
                assertThat(limiter.tryAcquire("k").allowed()).isTrue();
                assertThat(limiter.tryAcquire("k").allowed()).isFalse();
                assertThat(rw.storeInfo().redisUrl()).isEqualTo("rediss://127.0.0.1:" + tlsPort);
                assertThat(rw.storeInfo().toString()).doesNotContain(PASSWORD);
            }
        }
    }

    private static TrustManagerFactory trustManagers(Path caCertificate) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = Files.newInputStream(caCertificate)) {
            store.setCertificateEntry("test-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory;
    }

    private static void makeCertificates(Path dir) throws Exception {
        Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1\n");
        openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                "-days", "2", "-subj", "/CN=ratewarden-test-ca");
        openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=127.0.0.1");
        openssl(dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.crt", "-days", "2", "-extfile", "san.ext");
    }

    private static void openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("openssl " + String.join(" ", args) + " failed: " + output);
        }
    }
}
