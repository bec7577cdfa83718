package io.ratewarden.spring.autoconfigure;

import io.ratewarden.internal.call.CallRecord;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Adds the {@code RateLimit-Policy} and {@code RateLimit} fields to every response of a servlet
 * request whose handler called a limited method: it records what the limits decided while the
 * request runs on its thread, and writes the fields just before the response is committed (its
 * body written, an error sent, or the request done). Fields a handler set itself are kept.
 */
public class RateLimitHeaderFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        CallRecord record = CallRecord.open();
        FieldsBeforeCommit wrapped = new FieldsBeforeCommit(response, record);
        try {
            chain.doFilter(request, wrapped);
            wrapped.addFields();
        } finally {
            CallRecord.close();
        }
    }

    /** The response, which gets the fields before the first byte or status leaves. */
    private static final class FieldsBeforeCommit extends HttpServletResponseWrapper {
        private final CallRecord record;
        private boolean added;

        FieldsBeforeCommit(HttpServletResponse response, CallRecord record) {
            super(response);
            this.record = record;
        }

        void addFields() {
            if (added || isCommitted()) {
                return;
            }
            added = true;
            HttpServletResponse response = (HttpServletResponse) getResponse();
            for (Map.Entry<String, String> field : RateLimitFields.of(record.entries()).entrySet()) {
                if (!response.containsHeader(field.getKey())) {
                    response.setHeader(field.getKey(), field.getValue());
                }
            }
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            addFields();
            return super.getOutputStream();
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            addFields();
            return super.getWriter();
        }

        @Override
        public void flushBuffer() throws IOException {
            addFields();
            super.flushBuffer();
        }

        @Override
        public void sendError(int status, String message) throws IOException {
            addFields();
            super.sendError(status, message);
        }

        @Override
        public void sendError(int status) throws IOException {
            addFields();
            super.sendError(status);
        }

        @Override
        public void sendRedirect(String location) throws IOException {
            addFields();
            super.sendRedirect(location);
        }
    }
}
