package io.ratewarden.examples;

import io.ratewarden.StoreInfo;

/** Writes the few JSON documents the example serves, without a JSON library. */
final class Json {

    private Json() {
    }

    static String quote(Quote quote) {
        return "{\"symbol\":" + string(quote.symbol()) + ",\"price\":" + quote.price().toPlainString()
                + ",\"at\":" + string(quote.at().toString()) + "}";
    }

    static String storeInfo(StoreInfo info) {
        return "{\"backend\":" + string(info.backend().name())
                + ",\"state\":" + string(info.state().name())
                + ",\"healthy\":" + info.healthy()
                + ",\"redisUrl\":" + string(info.redisUrl())
                + ",\"since\":" + string(info.since().toString())
                + ",\"failovers\":" + info.failovers()
                + ",\"recoveries\":" + info.recoveries()
                + ",\"lastError\":" + string(info.lastError())
                + ",\"lastErrorAt\":" + string(info.lastErrorAt() == null ? null : info.lastErrorAt().toString())
                + ",\"redisLatencyMillis\":" + (info.redisLatency() == null ? "null"
                        : String.valueOf(info.redisLatency().toNanos() / 1e6))
                + ",\"localKeys\":" + info.localKeys() + "}";
    }

    static String error(String message, long retryAfterSeconds) {
        return "{\"error\":" + string(message) + ",\"retryAfterSeconds\":" + retryAfterSeconds + "}";
    }

    static String string(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
