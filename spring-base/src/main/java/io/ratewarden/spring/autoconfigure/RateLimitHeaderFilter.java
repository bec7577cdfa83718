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
import java.util.concurrent.Callable;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.async.CallableProcessingInterceptor;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Adds the {@code RateLimit-Policy} and {@code RateLimit} fields to every response of a servlet
 * request whose handler called a limited method: it records what the limits decided while the
 * request runs on its thread, and writes the fields just before the response is committed (its
 * body written, an error sent, or the request done). Fields a handler set itself are kept.
 *
 * <p>An asynchronous handler ({@code Callable}, {@code DeferredResult}, {@code CompletableFuture},
 * a {@code WebAsyncTask}) is recorded too: the record stays with the request, the
 * {@code Callable} that Spring MVC runs on another thread records into it
 * ({@link #callableInterceptor()}), and the fields are written by the dispatch that completes the
 * response. Limited calls the application makes on its own threads (to complete a
 * {@code DeferredResult}) are not recorded.
 */
public class RateLimitHeaderFilter extends OncePerRequestFilter {

    /** The request attribute that holds the request's record across its dispatches. */
    static final String RECORD = RateLimitHeaderFilter.class.getName() + ".record";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        CallRecord record = request.getAttribute(RECORD) instanceof CallRecord kept ? kept : CallRecord.detached();
        request.setAttribute(RECORD, record);
        CallRecord before = CallRecord.attach(record);
        FieldsBeforeCommit wrapped = new FieldsBeforeCommit(response, record);
        try {
            chain.doFilter(request, wrapped);
            if (!request.isAsyncStarted()) {
                wrapped.addFields(); // else the dispatch that completes the response writes them
            }
        } finally {
            CallRecord.attach(before);
        }
    }

    /** The dispatch that completes an asynchronous request writes the fields too. */
    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        return false;
    }

    /**
     * What Spring MVC runs around a handler's {@code Callable}, on the thread that calls it: the
     * request's record is that thread's meanwhile.
     *
     * @return the interceptor, for {@code AsyncSupportConfigurer.registerCallableInterceptors}
     */
    public static CallableProcessingInterceptor callableInterceptor() {
        return new CallableProcessingInterceptor() {
            @Override
            public <T> void preProcess(NativeWebRequest request, Callable<T> task) {
                Object record = request.getAttribute(RECORD, RequestAttributes.SCOPE_REQUEST);
                if (record instanceof CallRecord kept) {
                    CallRecord.attach(kept);
                }
            }

            @Override
            public <T> void postProcess(NativeWebRequest request, Callable<T> task, Object result) {
                CallRecord.close();
            }
        };
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
