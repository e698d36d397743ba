package io.github.undertowstreaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.ResponseCodeHandler;
import io.undertow.server.handlers.builder.PredicatedHandler;
import io.undertow.server.handlers.builder.PredicatedHandlersParser;

/** {@code async-streaming} in Undertow's predicate language, and WildFly's custom-filter setters. */
class PredicateLanguageTest {

    private static final ClassLoader CL = PredicateLanguageTest.class.getClassLoader();
    private static final HttpHandler NEXT = ResponseCodeHandler.HANDLE_404;

    private static AsyncStreamingHandler parse(String text) {
        return assertInstanceOf(AsyncStreamingHandler.class, PredicatedHandlersParser.parseHandler(text, CL).wrap(NEXT));
    }

    @Test
    void theBareNameGivesTheDefaultsAndPrintsAsItself() {
        AsyncStreamingHandler h = parse("async-streaming");
        assertEquals("async-streaming", h.toString());
        assertEquals(StreamingOptions.defaults().skip(), h.getOptions().skip());
        assertEquals(StreamingOptions.DEFAULT_READ_BUDGET, h.getOptions().readBudget());
    }

    @Test
    void everyParameterIsReadAndPrintingThenParsingGivesTheSameHandler() {
        String text = "async-streaming(skip='path-prefix(/api) or method(POST)', chunk-size=65536, read-ahead=2, read-budget=262144)";
        AsyncStreamingHandler h = parse(text);

        assertEquals(65536, h.getOptions().chunkSize());
        assertEquals(2, h.getOptions().readAhead());
        assertEquals(262144, h.getOptions().readBudget());
        assertEquals(text, h.toString());
        assertEquals(text, parse(h.toString()).toString());
    }

    @Test
    void aPredicateFromCodePrintsInThePredicateLanguageAndParsesBack() {
        AsyncStreamingHandler h = AsyncStreamingHandler.wrap(StreamingOptions.builder()
                .skip(io.undertow.predicate.Predicates.prefix("/api")).readAhead(1).build(), NEXT);
        AsyncStreamingHandler again = parse(h.toString());
        assertEquals(h.toString(), again.toString());
        assertEquals(1, again.getOptions().readAhead());
    }

    @Test
    void theDefaultParameterIsTheSkipPredicate() {
        assertEquals("async-streaming(skip='path-prefix(/api)')", parse("async-streaming('path-prefix(/api)')").toString());
    }

    @Test
    void aPredicatedRuleParsesAsInUndertowHandlersConf() {
        List<PredicatedHandler> rules = PredicatedHandlersParser.parse(
                "path-prefix('/downloads') -> async-streaming(read-ahead=1)\n", CL);
        assertEquals(1, rules.size());
        AsyncStreamingHandler h = assertInstanceOf(AsyncStreamingHandler.class, rules.get(0).getHandler().wrap(NEXT));
        assertEquals(1, h.getOptions().readAhead());
    }

    @Test
    void aBadParameterFailsAtParseTimeNamingTheParameterAndTheText() {
        assertMessageHas(() -> parse("async-streaming(chunk-size=-5)"), "chunk-size", "-5");
        assertMessageHas(() -> parse("async-streaming(read-ahead=1000)"), "read-ahead", "1000");
        assertMessageHas(() -> parse("async-streaming(size=1)"), "unknown parameter size");
        assertMessageHas(() -> parse("async-streaming(skip='path-prefix(')"), "skip", "path-prefix(");
        assertMessageHas(() -> parse("async-streaming(skip='no-such-predicate(1)')"), "skip", "no-such-predicate(1)");
    }

    @Test
    void customFilterSettersConfigureTheHandlerAndCheckTheirValues() {
        AsyncStreamingHandler h = new AsyncStreamingHandler(NEXT);
        h.setChunkSize("65536");
        h.setReadAhead("1");
        h.setReadBudget("524288");
        h.setSkip("path-prefix(/api)");
        assertEquals("async-streaming(skip='path-prefix(/api)', chunk-size=65536, read-ahead=1, read-budget=524288)",
                h.toString());

        assertMessageHas(() -> h.setReadAhead("two"), "UTSTREAM0101", "read-ahead", "'two'");
        assertMessageHas(() -> h.setChunkSize("0"), "chunk-size", "0");
        assertMessageHas(() -> h.setSkip("nonsense("), "UTSTREAM0113", "skip", "nonsense(");
        assertEquals(1, h.getOptions().readAhead(), "a refused value leaves the handler as it was");
    }

    private static void assertMessageHas(Runnable call, String... parts) {
        RuntimeException e = assertThrows(RuntimeException.class, call::run);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should name " + part);
        }
    }
}
