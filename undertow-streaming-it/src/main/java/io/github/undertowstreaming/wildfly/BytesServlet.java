package io.github.undertowstreaming.wildfly;

import java.io.IOException;
import java.io.InputStream;
import java.util.logging.Logger;

import io.github.undertowstreaming.demo.Pattern;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A plain servlet that knows nothing of the library: {@code ?size=N} pattern bytes, written to
 * its {@link ServletOutputStream} in blocking style. Mapped twice: under {@code /virtual}, which
 * the host's {@code async-streaming(dispatch=virtual)} filter covers, and without it. A write that
 * fails is logged, with the request's query, the bytes written, the thread and the exception
 * (the test of a client that stops reading looks for that line), and rethrown.
 */
@WebServlet({"/bytes", "/virtual/bytes"})
public final class BytesServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = Logger.getLogger(BytesServlet.class.getName());

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long size = Long.parseLong(req.getParameter("size"));
        resp.setContentType("application/octet-stream");
        resp.setContentLengthLong(size);
        try (InputStream in = Pattern.stream(size); ServletOutputStream out = resp.getOutputStream()) {
            byte[] buf = new byte[8192];
            long written = 0;
            try {
                for (int n; (n = in.read(buf)) >= 0; written += n) {
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                LOG.warning("BytesServlet: the write of " + req.getRequestURI() + "?" + req.getQueryString() + " threw an IOException after "
                        + written + " of " + size + " bytes, on " + Thread.currentThread() + ": " + e);
                throw e;
            }
        }
    }
}
