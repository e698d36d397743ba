package io.github.undertowstreaming.demo;

import java.util.List;

import io.undertow.Handlers;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.server.handlers.PathHandler;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;

/**
 * The demo's routes, one implementation each, shared by {@link DemoServer} and the benchmark.
 * Every route answers bad input with 400 and a one-line reason, a method other than GET or HEAD
 * with 405, and an unknown path with 404; these guards run on the thread the route runs on.
 */
public final class DemoRoutes {

    /** A route as the demo prints it: its path, what it does, and a curl line to try it. */
    public static final class Route {
        private final String path;
        private final String description;
        private final String curl;

        Route(String path, String description, String curl) {
            this.path = path;
            this.description = description;
            this.curl = curl;
        }

        public String path() {
            return path;
        }

        public String description() {
            return description;
        }

        /** The curl command for a server at {@code base}, e.g. {@code http://127.0.0.1:8080}. */
        public String curl(String base) {
            return curl.replace("{base}", base);
        }
    }

    /** The routes, in the order the demo prints them. */
    public static final List<Route> ROUTES = List.of(
            new Route(BytesRoute.PATH, "N pattern bytes (byte i is i % 251) through the library, from a blocking stream"
                    + " of at most K bytes a read that sleeps D ms before each read",
                    "curl -s '{base}/bytes?size=1048576&chunk=16384&delayMs=0' | sha256sum"),
            new Route(BlockingBytesRoute.PATH, "the same body through BlockingHandler and exchange.getOutputStream(),"
                    + " on a worker thread, or a virtual thread in transparent mode (header X-Demo-Thread names it)",
                    "curl -s '{base}/blocking/bytes?size=1048576&chunk=16384&delayMs=0' | sha256sum"),
            new Route(SenderBytesRoute.PATH, "the same body from memory through Undertow's async Sender (the upper bound)",
                    "curl -s '{base}/sender/bytes?size=1048576&chunk=16384' | sha256sum"),
            new Route(CsvRoute.PATH, "CSV lines i,item-i from a blocking iterator, through the library",
                    "curl -s '{base}/csv?rows=5'"),
            new Route(PingRoute.PATH, "pong, from a dispatched task: a worker thread (worker starvation shows here), or a virtual thread in transparent mode",
                    "curl -s '{base}/ping'"),
            new Route(HelloRoute.PATH, "hello, from the IO thread (the non-streaming overhead benchmark's handler)",
                    "curl -s '{base}/hello'"),
            new Route(EchoSocket.PATH, "WebSocket echo; the upgrade passes through the skip list",
                    "curl -si -N --max-time 2 -H 'Connection: Upgrade' -H 'Upgrade: websocket'"
                            + " -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' '{base}/ws'"),
            new Route(StatsRoute.PATH, "JSON: the handler's stream counters (in flight, finished, failed by cause, refused by max-streams, bytes sent, read time),"
                    + " clients waited on, the dispatch executor and its gate (running, waiting, refused by max-dispatched), worker threads busy",
                    "curl -s '{base}/stats'"));

    private DemoRoutes() {
    }

    /** A fresh handler tree serving every route; put the AsyncStreamingHandler in front of it. */
    public static HttpHandler handler(java.util.function.Supplier<io.github.undertowstreaming.Streaming.Stats> stats) {
        PathHandler paths = Handlers.path(DemoRoutes::notFound)
                .addExactPath(BytesRoute.PATH, get(guarded(new BytesRoute())))
                .addExactPath(BlockingBytesRoute.PATH, get(new BlockingHandler(guarded(new BlockingBytesRoute()))))
                .addExactPath(SenderBytesRoute.PATH, get(guarded(new SenderBytesRoute())))
                .addExactPath(CsvRoute.PATH, get(guarded(new CsvRoute())))
                .addExactPath(PingRoute.PATH, get(guarded(new PingRoute())))
                .addExactPath(HelloRoute.PATH, get(new HelloRoute()))
                .addExactPath(EchoSocket.PATH, Handlers.websocket(new EchoSocket(), get(DemoRoutes::notUpgrade)))
                .addExactPath(StatsRoute.PATH, get(guarded(new StatsRoute(stats))));
        return paths;
    }

    /** Turns a {@link BadRequest} from {@code route} into a 400 with its reason. */
    private static HttpHandler guarded(HttpHandler route) {
        return exchange -> {
            try {
                route.handleRequest(exchange);
            } catch (BadRequest e) {
                reply(exchange, StatusCodes.BAD_REQUEST, e.getMessage());
            }
        };
    }

    /** Lets GET and HEAD through to {@code route}; anything else gets 405. */
    private static HttpHandler get(HttpHandler route) {
        return exchange -> {
            HttpString method = exchange.getRequestMethod();
            if (method.equals(Methods.GET) || method.equals(Methods.HEAD)) {
                route.handleRequest(exchange);
                return;
            }
            exchange.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
            reply(exchange, StatusCodes.METHOD_NOT_ALLOWED,
                    exchange.getRequestPath() + " takes GET or HEAD, but the method was " + method);
        };
    }

    private static void notFound(HttpServerExchange exchange) {
        StringBuilder paths = new StringBuilder();
        for (Route r : ROUTES) {
            paths.append(paths.length() == 0 ? "" : ", ").append(r.path());
        }
        reply(exchange, StatusCodes.NOT_FOUND, "no route for " + exchange.getRequestPath() + "; the routes are " + paths);
    }

    private static void notUpgrade(HttpServerExchange exchange) {
        reply(exchange, StatusCodes.BAD_REQUEST, EchoSocket.PATH + " takes a WebSocket upgrade (Upgrade: websocket)");
    }

    /** A one-line plain-text answer. Works on the IO thread and under BlockingHandler alike. */
    static void reply(HttpServerExchange exchange, int status, String line) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseSender().send(line + "\n");
    }
}
