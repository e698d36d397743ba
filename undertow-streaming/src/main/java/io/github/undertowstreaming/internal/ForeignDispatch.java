package io.github.undertowstreaming.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.SameThreadExecutor;

/**
 * Transparent mode leaves an exchange alone when the application dispatched it to an executor of
 * its own, and says so once per context path. Undertow's {@code exchange.dispatch(executor, task)}
 * inside a handler call replaces the exchange's dispatch executor with {@code executor}, and
 * {@code Connectors.executeRootHandler} reads it only after the root handler returns (Undertow
 * 2.3.23 and 2.4). So, right after the next handler returns, a dispatched exchange whose executor
 * is no longer the one the handler set was sent elsewhere by someone below it: for a servlet
 * deployment, {@code ServletInitialHandler} dispatches to the servlet's or the deployment's
 * executor when it has one ({@code DeploymentInfo.setExecutor}, WildFly's {@code executor-name}
 * in {@code jboss-web.xml}). That executor keeps the exchange; the parking waits, added before,
 * still apply on its threads. {@link SameThreadExecutor} (stay on the IO thread, as Undertow's own
 * non-blocking handlers do) is not a foreign executor. A dispatch made after the handler call
 * returned, from another thread, runs at once and cannot be seen here; it is not reported.
 * One per handler; the set of reported context paths is bounded.
 */
public final class ForeignDispatch {

    /** More context paths than a server has deployments: beyond this nothing more is logged. */
    private static final int MAX_REPORTED = 256;

    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    /**
     * Called on the thread of the handler call, right after the next handler returned, with the
     * dispatch executor the handler set; logs {@code UTSTREAM0015} the first time a context path
     * dispatched elsewhere.
     */
    public void afterCall(HttpServerExchange exchange, Executor ours, Object handler) {
        if (!exchange.isDispatched()) {
            return;
        }
        Executor e = exchange.getDispatchExecutor();
        if (e == ours || e instanceof SameThreadExecutor) {
            return;
        }
        String context = exchange.getResolvedPath();
        String key = context == null || context.isEmpty() ? "/" : context;
        if (reported.size() < MAX_REPORTED && reported.add(key)) {
            Log.ROOT.leftAlone(String.valueOf(handler), key, e == null ? "the connection's XNIO worker" : String.valueOf(e));
        }
    }
}
