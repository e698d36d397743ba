package io.github.undertowstreaming.wildfly;

import java.io.IOException;

import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Which classes of the library the deployment's class loader sees: {@code ?class=NAME} answers
 * {@code visible} or {@code hidden}.
 */
@WebServlet("/visibility")
public final class VisibilityServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String answer;
        try {
            Class.forName(request.getParameter("class"), false, VisibilityServlet.class.getClassLoader());
            answer = "visible";
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            answer = "hidden";
        }
        response.setContentType("text/plain");
        response.getWriter().write(answer);
    }
}
