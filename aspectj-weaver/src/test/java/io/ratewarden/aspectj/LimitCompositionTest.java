package io.ratewarden.aspectj;

import static java.util.concurrent.TimeUnit.HOURS;
import static java.util.concurrent.TimeUnit.MINUTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratewarden.Decision;
import io.ratewarden.Limit;
import io.ratewarden.RateLimitExceededException;
import io.ratewarden.RateLimited;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Cost, limits shared by name, and repeated limits on one method. */
@Tag("unit")
class LimitCompositionTest {

    @RegisterExtension
    final Installed installed = new Installed();

    static class Reports {
        int runs;

        @RateLimited(name = "exports", permits = 10, window = 1, unit = HOURS, cost = 4)
        void bigExport() {
            runs++;
        }

        @RateLimited(name = "exports", permits = 10, window = 1, unit = HOURS)
        void smallExport() {
            runs++;
        }

        @RateLimited(name = "burst", permits = 2, window = 1, unit = MINUTES)
        @RateLimited(name = "hourly", permits = 3, window = 1, unit = HOURS)
        void twoLimits() {
            runs++;
        }
    }

    private final Reports reports = new Reports();

    @Test
    void costTakesThatManyPermits() {
        reports.bigExport();
        reports.bigExport();
        assertThatThrownBy(reports::bigExport).isInstanceOfSatisfying(RateLimitExceededException.class,
                e -> assertThat(e.limitName()).isEqualTo("exports"));
        reports.smallExport();
        reports.smallExport();
        assertThatThrownBy(reports::smallExport).isInstanceOf(RateLimitExceededException.class);
        assertThat(reports.runs).isEqualTo(4);
    }

    @Test
    void methodsNamingTheSameLimitShareIt() {
        for (int i = 0; i < 6; i++) {
            reports.smallExport();
        }
        reports.bigExport();
        assertThatThrownBy(reports::smallExport).isInstanceOf(RateLimitExceededException.class);
    }

    @Test
    void theProgrammaticApiSeesTheSameLimit() {
        reports.bigExport();
        Decision decision = installed.ratewarden.limit("exports", Limit.of(10, Duration.ofHours(1)))
                .tryAcquire("", 7);
        assertThat(decision.allowed()).isFalse();
        assertThat(installed.ratewarden.limit("exports", Limit.of(10, Duration.ofHours(1)))
                .tryAcquire("", 6).allowed()).isTrue();
        assertThatThrownBy(reports::smallExport).isInstanceOf(RateLimitExceededException.class);
    }

    @Test
    void repeatedLimitsAllApplyAndARefusedCallTakesNoPermitFromAny() {
        reports.twoLimits();
        reports.twoLimits();
        // "burst" rejects the third call: "hourly" is not asked and keeps its third permit.
        assertThatThrownBy(reports::twoLimits).isInstanceOfSatisfying(RateLimitExceededException.class,
                e -> assertThat(e.limitName()).isEqualTo("burst"));

        installed.ticker.advance(Duration.ofSeconds(65));
        reports.twoLimits();
        // "burst" grants the fifth call, "hourly" rejects it: "burst" gets that permit back at once,
        // so that the calls "hourly" keeps refusing never use up the burst.
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(reports::twoLimits).isInstanceOfSatisfying(RateLimitExceededException.class,
                    e -> assertThat(e.limitName()).isEqualTo("hourly"));
        }
        assertThat(installed.ratewarden.limit("burst", Limit.of(2, Duration.ofMinutes(1))).remaining(""))
                .isEqualTo(1);
        assertThat(reports.runs).isEqualTo(3);
    }
}
