package io.github.undertowstreaming.wildfly;

import java.io.InputStream;

import io.github.undertowstreaming.demo.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.StreamingOutput;

/**
 * A Jakarta REST resource that knows nothing of the library: {@code ?size=N} pattern bytes as a
 * {@link StreamingOutput}, which RESTEasy writes in blocking style to the servlet response's
 * output stream on the request's thread. Served by {@link RestApplication} and
 * {@link VirtualRestApplication}.
 */
@Path("bytes")
public class BytesResource {

    @GET
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public StreamingOutput bytes(@QueryParam("size") long size) {
        return out -> {
            try (InputStream in = Pattern.stream(size)) {
                in.transferTo(out);
            }
        };
    }
}
