package io.github.undertowstreaming.demo;

/** A request the demo refuses with 400; the message is the one-line reason sent to the client. */
final class BadRequest extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BadRequest(String reason) {
        super(reason, null, false, false);
    }
}
