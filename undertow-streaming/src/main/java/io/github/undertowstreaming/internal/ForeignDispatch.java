package io.github.undertowstreaming.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;

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
 * still apply on its threads. {@link SameThreadExecutor} and the exchange's IO thread (non-blocking
 * code staying on, or going back to, the IO thread, as Undertow's own handlers do) are not
 * executors of the application's own: nothing blocking runs there. A dispatch made after the handler call
 * returned, from another thread, runs at once and cannot be seen here; it is not reported.
 * One per handler; the set of reported context paths is bounded.
 */
public final class ForeignDispatch {

    /** More context paths than a server has deployments: beyond this nothing more is logged. */
    private static final int MAX_REPORTED = 256;

    private final Set<String> reported = ConcurrentHashMap.newKeySet();

    /** One for a handler, with nothing reported yet. */
    public ForeignDispatch() {
    }

    /**
     * Called on the thread of the handler call, right after the next handler returned, with the
     * dispatch executor the handler set; logs {@code UTSTREAM0015} the first time a context path
     * dispatched elsewhere.
     *
     * @param exchange the exchange
     * @param ours the dispatch executor the handler set
     * @param handler the handler, for the message
     */
    public void afterCall(HttpServerExchange exchange, Executor ours, Object handler) {
        if (!exchange.isDispatched()) {
            return;
        }
        Executor e = exchange.getDispatchExecutor();
        if (e == ours || e instanceof SameThreadExecutor || e instanceof XnioIoThread) {
            return;
        }
        String context = exchange.getResolvedPath();
        String key = context == null || context.isEmpty() ? "/" : context;
        if (reported.size() < MAX_REPORTED && reported.add(key)) {
            Log.ROOT.leftAlone(String.valueOf(handler), key, describe(e));
        }
    }

    /** An XNIO worker by its name (WildFly's {@code executor-name}); any other executor as it prints itself. */
    private static String describe(Executor e) {
        if (e == null) {
            return "the connection's XNIO worker";
        }
        return e instanceof XnioWorker ? "XNIO worker '" + ((XnioWorker) e).getName() + "'" : String.valueOf(e);
    }
}
