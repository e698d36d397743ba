package io.github.undertowstreaming.bench;

import java.util.List;

/**
 * How big a run is: the full run (within 10 minutes on 2 cores, and about 12 more for the peers of
 * section 1f) or the quick one (about half a minute, and 10 to 25 s more for the peers; for CI, so
 * that the harness cannot rot). Immutable.
 */
record Scale(
        String name,
        List<Integer> slowClients,
        long slowBody,
        long slowPace,
        long slowCapSeconds,
        int memoryStreams,
        long fastSize,
        int fastRounds,
        int manyClients,
        long manySize,
        long slowSourceSize,
        int overheadRounds,
        long overheadMillis,
        long warmupSize,
        int fairClients,
        List<Integer> blockingClients,
        long blockingBody,
        long blockingPace,
        int attackers,
        int honestClients,
        long honestBody,
        long attackGraceMillis,
        List<Integer> peerClients,
        long peerBody,
        long peerCapSeconds,
        long peerWarmupSize,
        boolean peerJvmPerPass) {

    static final int WORKERS = 8;
    static final int SERVER_SEND_BUFFER = 16 * 1024;
    static final int CLIENT_RECEIVE_BUFFER = 8 * 1024;

    static final Scale FULL = new Scale("full", List.of(1, 16, 64, 256, 1024), 1 << 20, 256 * 1024, 40, 256,
            1L << 30, 7, 64, 16L << 20, 16L << 20, 10, 1000, 256L << 20, 1024, List.of(64, 1024, 4096), 256 * 1024,
            64 * 1024, 1024, 64, 256 * 1024, 5000, List.of(64, 1024, 4096), 2L << 20, 120, 16L << 20, true);

    static final Scale QUICK = new Scale("quick", List.of(1, 16, 64), 256 * 1024, 256 * 1024, 10, 64,
            64L << 20, 1, 64, 1L << 20, 1L << 20, 1, 500, 8L << 20, 64, List.of(8), 64 * 1024, 256 * 1024, 16, 8,
            64 * 1024, 500, List.of(4), 128 * 1024, 20, 256 * 1024, false);
}
