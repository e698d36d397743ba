package io.github.undertowstreaming.wildfly;

import java.util.Set;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** {@link BytesResource} and {@link EntryPointResource} at {@code /rest}: no filter of the library there. */
@ApplicationPath("/rest")
public class RestApplication extends Application {

    @Override
    public Set<Class<?>> getClasses() {
        return Set.of(BytesResource.class, EntryPointResource.class);
    }
}
