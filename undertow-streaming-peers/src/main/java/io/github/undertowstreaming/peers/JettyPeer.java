package io.github.undertowstreaming.peers;

import java.io.OutputStream;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Jetty;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;

/**
 * Jetty 12.1 on virtual threads, configured as Jetty documents it: the server's
 * {@link QueuedThreadPool} given a {@link VirtualThreadPool} as its virtual-threads executor (the
 * programming guide's "Virtual Threads Support with QueuedThreadPool", the bounded executor it
 * calls preferred, and what Jetty's own {@code threadpool-virtual} module builds). A blocking
 * {@link Handler.Abstract} is run on a virtual thread and writes through
 * {@link Content.Sink#asOutputStream}, the blocking stream Jetty's migration guide names.
 */
final class JettyPeer implements Peer {

    static final String ID = "jetty";

    /**
     * {@link VirtualThreadPool}'s cap on concurrent tasks ({@code setMaxConcurrentTasks}, which
     * 12.1 names what 12.0 called {@code setMaxThreads}). Its default is 200: beyond that, tasks
     * wait for a permit, so left at its defaults Jetty would serve 200 slow clients at a time.
     * Raised above every load of the benchmark (4,096 clients), as the other peers have no cap.
     */
    static final int MAX_CONCURRENT_TASKS = 8192;

    private final ServerConnector connector;

    private JettyPeer(ServerConnector connector) {
        this.connector = connector;
    }

    static JettyPeer start(int backlog, int sendBuffer) throws Exception {
        VirtualThreadPool virtual = new VirtualThreadPool();
        virtual.setMaxConcurrentTasks(MAX_CONCURRENT_TASKS);
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setVirtualThreadsExecutor(virtual);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(backlog);
        connector.setAcceptedSendBufferSize(sendBuffer);
        server.addConnector(connector);
        server.setHandler(new Routes());
        server.start();
        return new JettyPeer(connector);
    }

    @Override
    public int port() {
        return connector.getLocalPort();
    }

    @Override
    public String settings() {
        return "Jetty " + Jetty.VERSION + ": new Server(new QueuedThreadPool()) with setVirtualThreadsExecutor(new"
                + " VirtualThreadPool()), its maxConcurrentTasks (formerly maxThreads) raised from 200 to " + MAX_CONCURRENT_TASKS
                + " (beyond it a task waits for a permit), everything else at"
                + " Jetty's defaults (a ServerConnector on 127.0.0.1 with its accept queue and accepted send buffer set as"
                + " the benchmark asks); a blocking"
                + " Handler.Abstract, which Jetty runs on a virtual thread, writing to Content.Sink.asOutputStream(response)"
                + " (sources: https://jetty.org/docs/jetty/12/programming-guide/arch/threads.html#thread-pool-virtual-threads,"
                + " jetty-core/jetty-server/src/main/config/etc/jetty-threadpool-virtual.xml and"
                + " jetty-core/jetty-util/src/main/java/org/eclipse/jetty/util/thread/VirtualThreadPool.java of"
                + " jetty/jetty.project, branch jetty-12.1.x)";
    }

    /** The two routes; any other path is Jetty's 404. */
    private static final class Routes extends Handler.Abstract {

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            switch (Request.getPathInContext(request)) {
                case "/bytes" -> {
                    try {
                        long size = Peer.size(Request.extractQueryParameters(request).getValue("size"));
                        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
                        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, size);
                        try (OutputStream out = Content.Sink.asOutputStream(response)) {
                            Peer.copy(size, out);
                        }
                        callback.succeeded();
                    } catch (Throwable x) {
                        callback.failed(x);
                    }
                    return true;
                }
                case "/ping" -> {
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; charset=utf-8");
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 4);
                    Content.Sink.write(response, true, "pong", callback);
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }
    }
}
