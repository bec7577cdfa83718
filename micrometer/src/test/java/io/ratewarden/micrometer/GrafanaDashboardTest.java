package io.ratewarden.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ratewarden.Limit;
import io.ratewarden.Limiter;
import io.ratewarden.Ratewarden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * docs/grafana/ratewarden.json queries only what the library exports: every metric its panels
 * name is in a Prometheus scrape of {@link RatewardenMetrics}, and the panels operators need are
 * there.
 */
@Tag("unit")
class GrafanaDashboardTest {

    private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "ratewarden.json");
    private static final Pattern EXPRESSION = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern METRIC = Pattern.compile("\\bratewarden_[a-z_]+");

    @Test
    void everyMetricTheDashboardQueriesIsOneTheLibraryExports() throws IOException {
        Set<String> exported = scrapedNames();
        String dashboard = Files.readString(DASHBOARD);
        Set<String> queried = new TreeSet<>();
        Matcher expression = EXPRESSION.matcher(dashboard);
        int expressions = 0;
        while (expression.find()) {
            expressions++;
            Matcher metric = METRIC.matcher(expression.group(1));
            while (metric.find()) {
                queried.add(metric.group());
            }
        }
        assertThat(expressions).as("queries in the dashboard").isGreaterThanOrEqualTo(7);
        assertThat(queried).as("metrics the dashboard queries").isNotEmpty();
        assertThat(exported).as("a scrape of the library's meters").containsAll(queried);
        assertThat(queried).contains("ratewarden_calls_total", "ratewarden_calls_near_limit_total",
                "ratewarden_in_memory", "ratewarden_failovers_total", "ratewarden_recoveries_total",
                "ratewarden_redis_calls_seconds_sum", "ratewarden_redis_calls_seconds_count");
    }

    @Test
    void theDashboardHasThePanelsOperatorsReadAndItsDataSourceIsAVariable() throws IOException {
        String dashboard = Files.readString(DASHBOARD);
        assertThat(dashboard).contains("\"title\": \"Calls by outcome and backend\"",
                "\"title\": \"Rejection ratio per limit\"", "\"title\": \"Near the limit\"",
                "\"title\": \"Shadow rejections\"", "\"title\": \"Instances deciding in memory\"",
                "\"title\": \"Failovers and recoveries\"", "\"title\": \"Redis round trip\"");
        assertThat(dashboard).contains("\"type\": \"datasource\"").contains("\"uid\": \"${datasource}\"")
                .doesNotContain("\"uid\": \"prometheus\"");
        assertThat(dashboard).contains("\"schemaVersion\": 39");
    }

    /** The metric names of a scrape, after calls that reach every outcome the panels show. */
    private static Set<String> scrapedNames() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Ratewarden ratewarden = Ratewarden.builder().name("dashboard").jmx(false).build()) {
            new RatewardenMetrics(ratewarden).bindTo(registry);
            Limiter limiter = ratewarden.limit("exports", Limit.of(10, Duration.ofMinutes(1)));
            for (int i = 0; i < 12; i++) {
                limiter.tryAcquire("alice");
            }
            String scrape = registry.scrape();
            assertThat(scrape).contains("ratewarden_calls_near_limit_total{").contains("name=\"exports\"");
            Set<String> names = new TreeSet<>();
            for (String line : scrape.split("\n")) {
                if (!line.isEmpty() && !line.startsWith("#")) {
                    int end = line.indexOf('{') >= 0 ? line.indexOf('{') : line.indexOf(' ');
                    names.add(line.substring(0, end));
                }
            }
            return names;
        }
    }
}
