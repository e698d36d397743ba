package io.github.undertowstreaming.wildfly;

import java.io.IOException;
import java.io.InputStream;

import io.github.undertowstreaming.demo.Pattern;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * A plain servlet that knows nothing of the library: {@code ?size=N} pattern bytes, written to
 * its {@link ServletOutputStream} in blocking style. Mapped twice: under {@code /virtual}, which
 * the host's {@code async-streaming(dispatch=virtual)} filter covers, and without it.
 */
@WebServlet({"/bytes", "/virtual/bytes"})
public final class BytesServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long size = Long.parseLong(req.getParameter("size"));
        resp.setContentType("application/octet-stream");
        resp.setContentLengthLong(size);
        try (InputStream in = Pattern.stream(size); ServletOutputStream out = resp.getOutputStream()) {
            in.transferTo(out);
        }
    }
}
