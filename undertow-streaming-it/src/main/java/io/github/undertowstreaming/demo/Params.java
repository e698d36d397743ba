package io.github.undertowstreaming.demo;

import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.undertow.server.HttpServerExchange;

/**
 * The query parameters of one request, checked against the names a route takes. Every problem
 * becomes a {@link BadRequest} with a one-line reason that names the parameter and the value.
 * Used on whatever thread the route runs on; not shared between requests.
 */
final class Params {

    private final String route;
    private final Map<String, Deque<String>> query;

    private Params(String route, Map<String, Deque<String>> query) {
        this.route = route;
        this.query = query;
    }

    /** The parameters of {@code exchange}; any name not in {@code names} is refused. */
    static Params of(HttpServerExchange exchange, String route, String... names) {
        Map<String, Deque<String>> query = exchange.getQueryParameters();
        Set<String> allowed = Set.of(names);
        for (String name : new TreeSet<>(query.keySet())) {
            if (!allowed.contains(name)) {
                throw new BadRequest("unknown parameter \"" + name + "\": " + route + " takes "
                        + (names.length == 0 ? "no parameters" : String.join(", ", names)));
            }
            if (query.get(name).size() > 1) {
                throw new BadRequest(name + " must be given once, but was given " + query.get(name).size() + " times");
            }
        }
        return new Params(route, query);
    }

    /** The whole number {@code name}, from {@code min} to {@code max}, or {@code dflt} if absent. */
    long whole(String name, long min, long max, long dflt) {
        Deque<String> values = query.get(name);
        if (values == null) {
            return dflt;
        }
        String value = values.getFirst();
        try {
            long n = Long.parseLong(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, with the range
        }
        throw new BadRequest(name + " must be a whole number from " + min + " to " + max
                + ", but was \"" + value + "\"");
    }

    @Override
    public String toString() {
        return route + query;
    }
}
