package io.github.undertowstreaming.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.github.undertowstreaming.AsyncStreamingHandler;
import io.github.undertowstreaming.StreamingOptions;
import io.github.undertowstreaming.demo.Pattern;
import io.github.undertowstreaming.it.support.Curl;
import io.github.undertowstreaming.it.support.OutcomeLog;
import io.github.undertowstreaming.it.support.Protocol;
import io.github.undertowstreaming.it.support.TestBody;

/**
 * The stream's own timeouts ({@code read-timeout}, {@code write-timeout}), kept by its watch on
 * the IO thread: each fires when, and only when, what it bounds took too long. Over the four
 * protocols, with the contract's checks.
 */
@Timeout(value = 40, unit = TimeUnit.SECONDS)
@ExtendWith(OutcomeLog.class)
class StreamTimeoutsTest extends ContractTestBase {

    /** Adds a route whose own {@link AsyncStreamingHandler} has {@code options}. */
    private void streamRoute(String path, StreamingOptions options, Supplier<TestBody> factory) {
        server.route(path, new AsyncStreamingHandler(exchange -> send(exchange, factory.get()), options));
    }

    /**
     * The read timeout times each call into the body from that call's start. A read of 700 ms
     * fills the chunk's first buffer; taking the chunk's second buffer from the pool then takes
     * 1.5 s (a slow pool, made so here), while the reader's thread is published: the watch used to
     * time that from the start of the read before, and failed the stream with a read timeout of
     * 1 s though no read ever took longer than 700 ms.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Protocol.class)
    void aReadIsTimedFromItsOwnStartNotFromTheReadBeforeIt(Protocol protocol) throws Exception {
        AtomicInteger pumpAllocations = new AtomicInteger();
        server.pool().beforeAllocate(() -> {
            if (calledFromThePump() && pumpAllocations.incrementAndGet() == 2) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1500)); // a slow pool, not a wait
            }
        });
        StreamingOptions options = StreamingOptions.builder().readTimeout(Duration.ofSeconds(1)).build();
        streamRoute("/clock", options, () -> new TestBody("64 KiB body whose first read takes 700 ms")
                .size(64 * 1024).maxRead(16 * 1024).slowFirstRead(Duration.ofMillis(700)));
        Curl.Result r = curl(protocol, "/clock").maxTime(Duration.ofSeconds(10)).run();
        TestBody body = takeSent();

        assertContract(body, protocol, "/clock",
                () -> assertEquals(0, r.exitCode(), () -> "curl exit; " + r),
                () -> assertEquals(200, r.status(), () -> "status; " + r),
                () -> assertEquals(Pattern.digest(64 * 1024), r.digest(), () -> "body; " + r));
    }

    /** Whether the pump's ring takes this buffer ({@code Pump.buffer}). */
    private static boolean calledFromThePump() {
        return StackWalker.getInstance().walk(frames -> frames.anyMatch(
                f -> f.getClassName().equals("io.github.undertowstreaming.internal.Pump")
                        && f.getMethodName().equals("buffer")));
    }
}
