package io.ratewarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Each instance's share of a limit during an outage. */
@Tag("unit")
class FallbackShareTest {

    @Test
    void sharesDivideTheLimitRoundingUp() {
        assertThat(FallbackShare.full().permitsPerInstance(40, 4)).isEqualTo(40);
        assertThat(FallbackShare.divideBy(3).permitsPerInstance(40, 4)).isEqualTo(14);
        assertThat(FallbackShare.liveInstances().permitsPerInstance(40, 4)).isEqualTo(10);
        assertThat(FallbackShare.liveInstances().permitsPerInstance(40, 3)).isEqualTo(14);
        assertThat(FallbackShare.liveInstances().permitsPerInstance(40, 0)).as("never reached Redis").isEqualTo(40);
        assertThat(FallbackShare.liveInstances().permitsPerInstance(2, 100)).as("at least one").isEqualTo(1);
        assertThatThrownBy(() -> FallbackShare.divideBy(0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(FallbackShare.divideBy(2)).isEqualTo(FallbackShare.divideBy(2)).hasToString(
                "FallbackShare.divideBy(2)");
    }
}
