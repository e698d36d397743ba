package io.github.undertowstreaming.wildfly;

import java.io.IOException;

import javax.naming.InitialContext;
import javax.naming.NamingException;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code java:module/ModuleName}, looked up in EE naming: what a WAR finds in a server that has
 * WildFly's {@code servlet} layer (the layer undertow-streaming builds on) and fails to find with
 * {@code undertow} alone. A failed lookup is a 500 naming the exception.
 */
@WebServlet("/module-name")
public final class ModuleNameServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain");
        try {
            resp.getWriter().write(String.valueOf(new InitialContext().lookup("java:module/ModuleName")));
        } catch (NamingException e) {
            resp.sendError(500, e.toString());
        }
    }
}
