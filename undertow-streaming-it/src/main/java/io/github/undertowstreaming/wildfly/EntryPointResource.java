package io.github.undertowstreaming.wildfly;

import io.github.undertowstreaming.StreamingBody;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.servlet.ServletStreaming;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.Suspended;
import jakarta.ws.rs.core.Context;

/**
 * A Jakarta REST resource that streams {@code ?size=N} pattern bytes through the servlet entry
 * point: it reaches the servlet request ({@code @Context}), and suspends its response without
 * ever resuming it, so that RESTEasy writes nothing and the library answers.
 */
@Path("entry")
public class EntryPointResource {

    @GET
    public void bytes(@QueryParam("size") long size, @Context HttpServletRequest request,
            @Suspended AsyncResponse neverResumed) {
        ServletStreaming.send(request, StreamingBody.ofInputStream(() -> Pattern.stream(size), size));
    }
}
