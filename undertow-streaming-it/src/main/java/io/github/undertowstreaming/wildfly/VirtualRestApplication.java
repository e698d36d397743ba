package io.github.undertowstreaming.wildfly;

import java.util.Set;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** {@link BytesResource} again at {@code /virtual/rest}, which the host's {@code dispatch=virtual} filter covers. */
@ApplicationPath("/virtual/rest")
public class VirtualRestApplication extends Application {

    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(BytesResource.class);
    }
}
