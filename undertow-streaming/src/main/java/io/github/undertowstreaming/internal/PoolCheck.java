package io.github.undertowstreaming.internal;

import java.lang.reflect.Field;

import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;

/**
 * Transparent mode's one warning about buffers. Undertow's {@link DefaultByteBufferPool} keeps
 * freed buffers in a cache per thread, which is lost with its thread and reclaimed only by the
 * garbage collector. With a new thread per exchange (virtual threads) every exchange leaves
 * its cache behind, and direct memory grows. The library cannot change the server's pool; it
 * tells the operator once, with the fix. Read by reflection: the cache size has no getter.
 */
final class PoolCheck {

    private PoolCheck() {
    }

    private static int field(String name, ByteBufferPool pool) throws ReflectiveOperationException {
        Field f = DefaultByteBufferPool.class.getDeclaredField(name);
        f.setAccessible(true);
        return f.getInt(pool);
    }

    /**
     * Logs the warning if {@code pool} keeps buffers per thread, or shares none (a maximum pool
     * size of -1, as {@code Undertow.builder()} makes it: then every freed buffer that no thread
     * cache takes is dropped, and each exchange allocates anew). Once per caller, who remembers.
     * Measured on Java 25 ({@code TransparentModeTest}): 5,000 exchanges on virtual threads grew
     * direct memory by 94 to 205 MiB with the builder's pool (4 per thread, none shared), by 0.1 to 0.2 MiB with
     * 1024 shared and none per thread.
     */
    static void warnIfCachedPerThread(ByteBufferPool pool, String handler) {
        ByteBufferPool p = pool;
        if (!(p instanceof DefaultByteBufferPool)) {
            return;
        }
        try {
            int cached = field("threadLocalCacheSize", p);
            int shared = field("maximumPoolSize", p);
            if (cached > 0 || shared <= 0) {
                Log.ROOT.perThreadBufferCache(handler, cached, shared);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // another Undertow: nothing to tell
        }
    }
}
