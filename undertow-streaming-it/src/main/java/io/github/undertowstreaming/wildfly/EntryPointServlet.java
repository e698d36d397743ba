package io.github.undertowstreaming.wildfly;

import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.servlet.ServletStreaming;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code ?size=N} pattern bytes through the servlet entry point, {@link ServletStreaming#send}:
 * behind the servlet layer, so behind web.xml's constraint on {@code /protected/*} and WildFly's
 * request controller. {@code X-Remote-User} says who the servlet layer authenticated.
 */
@WebServlet(urlPatterns = {"/entry/bytes", "/protected/bytes"}, asyncSupported = true)
public final class EntryPointServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) {
        long size = Long.parseLong(request.getParameter("size"));
        response.setContentType("application/octet-stream");
        response.setHeader("X-Remote-User", String.valueOf(request.getRemoteUser()));
        ServletStreaming.send(request, StreamingBody.ofInputStream(() -> Pattern.stream(size), size));
    }
}
