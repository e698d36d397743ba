package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.xnio.Options;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.EdgeServer;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.undertow.server.handlers.BlockingHandler;

/**
 * Transparent mode over the four protocols: a {@code BlockingHandler} route writing to
 * {@code getOutputStream()}, dispatched by the library, read by a client slow enough that the
 * writer waits for the socket (parked on HTTP/1.1, plain and TLS; Undertow's own wait on HTTP/2).
 * Platform threads as the dispatch executor, so that it runs on Java 17 too: the parked wait
 * does not depend on the thread being virtual.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class TransparentModeProtocolsTest extends ContractTestBase {

    private static final long SIZE = 4L << 20;
    private final ExecutorService dispatch = Executors.newCachedThreadPool();

    @AfterEach
    void stopDispatch() {
        dispatch.shutdownNow();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aBlockingRouteReadSlowlyArrivesWholeAndTheExchangeCompletes(Protocol protocol) throws Exception {
        server.close();
        server = EdgeServer.start(b -> b.setSocketOption(Options.SEND_BUFFER, 16 * 1024));
        server.route("/blocking", new AsyncStreamingHandler(new BlockingHandler(exchange -> {
            if (exchange.getRequestHeaders().contains("HTTP2-Settings")) {
                Thread.sleep(100); // a source slow to start on the upgraded stream: see TestBody.startDelay
            }
            try (InputStream in = Pattern.stream(SIZE); OutputStream out = exchange.getOutputStream()) {
                in.transferTo(out);
            }
        }), StreamingOptions.builder().dispatch(dispatch).build()));
        Curl.Result r = curl(protocol, "/blocking").limitRate("4M").maxTime(Duration.ofSeconds(30)).run();
        assertEquals(0, r.exitCode(), r::toString);
        assertEquals(protocol.curlVersion(), r.httpVersion(), r::toString);
        assertEquals(Pattern.digest(SIZE), r.digest(), r::toString);
        server.assertSaw(protocol, "/blocking");
        server.assertExchangesCompleted(SETTLE);
        server.assertLimiterFree();
        server.assertBuffersBack(SETTLE);
    }
}
