package io.github.undertowstreaming.wildfly;

import java.io.IOException;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** The thread the servlet runs on ({@code Thread.toString()}: a virtual thread says so). */
@WebServlet({"/thread", "/virtual/thread"})
public final class ThreadServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain");
        resp.getWriter().write(Thread.currentThread().toString());
    }
}
