package io.ratewarden.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the build report counts as a defect in a module's test logs: an ERROR line, and a WARN of
 * Ratewarden's, Redisson's or Netty's that carries a stack trace; not a WARN without one, nor
 * another library's stack trace, nor Redisson's report of a Sentinel a fault test made
 * unreachable, in the SLF4J simple and Spring Boot layouts.
 */
@Tag("unit")
class LoggedErrorsTest {

    @Test
    void anErrorAndAWarningOfOursWithAStackTraceAreDefectsAndNothingElse(@TempDir Path target) throws Exception {
        Instant start = Instant.now().minusSeconds(60);
        Files.writeString(target.resolve("ratewarden-tests-1.log"), """
                100 [main] INFO io.ratewarden.failover - Ratewarden 'a': deciding on Redis redis://127.0.0.1:6379
                200 [probe] WARN io.ratewarden.failover - Ratewarden 'a': Redis redis://127.0.0.1:6379 failed, deciding in memory
                300 [netty-1] WARN org.redisson.client.handler.CommandsQueue - Exception occured. Channel: [id: 0x1]
                java.io.IOException: Connection reset by peer
                \tat java.base/sun.nio.ch.SocketDispatcher.read0(Native Method)
                \tat java.base/sun.nio.ch.SocketDispatcher.read(SocketDispatcher.java:47)
                400 [main] INFO io.ratewarden.limits - an INFO line
                java.lang.IllegalStateException: printed by a test on purpose
                500 [main] WARN com.example.Other - another library's warning
                java.lang.RuntimeException: not ours
                \tat com.example.Other.run(Other.java:1)
                600 [main] ERROR io.ratewarden.redis - an error
                700 [connect] WARN org.redisson.connection.SentinelConnectionManager - Can't connect to sentinel server
                org.redisson.client.RedisConnectionException: Unable to connect to: redis://127.0.0.1:45797
                \tat redisson@4.7.0/org.redisson.client.RedisClient.connect(RedisClient.java:243)
                """);
        Path reports = Files.createDirectories(target.resolve("surefire-reports"));
        Files.writeString(reports.resolve("io.ratewarden.SomeTest-output.txt"), """
                2026-12-07T14:30:54.000Z  WARN 8871 --- [           main] i.r.redis                                : a warning of ours
                \tat io.ratewarden.internal.store.RedisCommands.await(RedisCommands.java:120)
                2026-12-07T14:30:55.000Z  WARN 8871 --- [           main] o.s.b.w.e.tomcat.TomcatStarter           : not ours
                \tat org.apache.catalina.Foo.bar(Foo.java:1)
                """);

        List<LoggedErrors.Line> lines = LoggedErrors.in(target, start);

        assertThat(lines).extracting(LoggedErrors.Line::text).satisfiesExactly(
                redisson -> assertThat(redisson).contains("org.redisson.client.handler.CommandsQueue")
                        .contains("with a stack trace: java.io.IOException: Connection reset by peer"),
                error -> assertThat(error).contains("ERROR io.ratewarden.redis - an error"),
                boot -> assertThat(boot).contains("i.r.redis").contains("with a stack trace: at io.ratewarden"));
    }

    @Test
    void filesOfAnEarlierBuildAreNotRead(@TempDir Path target) throws Exception {
        Path log = target.resolve("ratewarden-tests.log");
        Files.writeString(log, "600 [main] ERROR io.ratewarden.redis - an error of an earlier build\n");
        assertThat(LoggedErrors.in(target, Instant.now().plusSeconds(60))).isEmpty();
        assertThat(LoggedErrors.in(target, Instant.now().minusSeconds(60))).hasSize(1);
    }
}
