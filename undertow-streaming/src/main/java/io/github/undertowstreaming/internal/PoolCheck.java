package io.github.undertowstreaming.internal;

import java.lang.reflect.Field;

import io.undertow.connector.ByteBufferPool;
import io.undertow.server.DefaultByteBufferPool;

/**
 * Transparent mode's one warning about buffers. Undertow's {@link DefaultByteBufferPool} keeps
 * freed buffers in a cache per thread, which goes back to the pool only when a finalizer runs
 * after the thread died. With a new thread per exchange (virtual threads) every exchange leaves
 * its cache behind, and direct memory grows. The library cannot change the server's pool; it
 * tells the operator once, with the fix. Read by reflection: the cache size has no getter.
 */
final class PoolCheck {

    private PoolCheck() {
    }

    /** Logs the warning if {@code pool} keeps buffers per thread; once per caller, who remembers. */
    static void warnIfCachedPerThread(ByteBufferPool pool, String handler) {
        ByteBufferPool p = pool;
        if (!(p instanceof DefaultByteBufferPool)) {
            return;
        }
        try {
            Field f = DefaultByteBufferPool.class.getDeclaredField("threadLocalCacheSize");
            f.setAccessible(true);
            int size = f.getInt(p);
            if (size > 0) {
                Log.ROOT.perThreadBufferCache(handler, size);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // another Undertow: nothing to tell
        }
    }
}
