package io.github.undertowstreaming.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.xnio.XnioIoThread;

/**
 * One timer per IO thread and period for every stream's {@link ClientWatch}: a tick runs the
 * watches of that thread and period one after another. A timer per stream put one entry into
 * XNIO's timer queue (a sorted tree per IO thread) and took one out every period per stream:
 * some 8,000 of each per second under 4,096 slow clients, about 4 % of the server's samples in
 * the benchmark's profile; here it is one per IO thread.
 *
 * <p>Everything runs on the IO thread: {@link #add} (called there), the ticks, the list. A watch
 * leaves by answering false from its tick (stopped, or its stream done), so a stopped stream is
 * dropped at the next tick, within one period. A watch's first tick comes within one period of
 * its {@code add}, not exactly one period after it; its checks measure time themselves.
 */
final class Ticks implements Runnable {

    /** A watch's work at each tick, on the IO thread: false once it is done watching. */
    interface Tick {
        boolean tick();

        /**
         * No more ticks: the IO thread takes no more tasks (the server stops; {@code cause} null),
         * or this tick threw {@code cause}.
         */
        void abandoned(Throwable cause);
    }

    /** The IO thread's tickers by period: created, read and changed on that thread only. */
    private static final ThreadLocal<Map<Long, Ticks>> OF_THIS_THREAD = ThreadLocal.withInitial(HashMap::new);

    private final XnioIoThread thread;
    private final long period;
    private final List<Tick> ticks = new ArrayList<>();
    private boolean scheduled;

    private Ticks(XnioIoThread thread, long period) {
        this.thread = thread;
        this.period = period;
    }

    /** Ticks {@code tick} every {@code period} nanoseconds from now on. Called on {@code thread}, its IO thread. */
    static void add(XnioIoThread thread, long period, Tick tick) {
        Ticks t = OF_THIS_THREAD.get().computeIfAbsent(period, p -> new Ticks(thread, p));
        t.ticks.add(tick);
        if (!t.scheduled) {
            t.schedule();
        }
    }

    private void schedule() {
        try {
            thread.executeAfter(this, period, TimeUnit.NANOSECONDS);
            scheduled = true;
        } catch (RejectedExecutionException e) {
            // The IO thread is terminating (the server stops) and its connections close with it,
            // which ends the streams. Thrown out of a tick, this was an ERROR that XNIO logged per
            // stream (XNIO000011, XNIO007007): the benchmark saw thousands at one stop.
            scheduled = false;
            for (Tick t : ticks) {
                t.abandoned(null);
            }
            ticks.clear();
        }
    }

    @Override
    public void run() {
        scheduled = false;
        int kept = 0;
        for (int i = 0; i < ticks.size(); i++) {
            Tick t = ticks.get(i);
            boolean again;
            try {
                again = t.tick();
            } catch (RuntimeException | Error e) {
                again = false; // the other streams keep their ticks
                t.abandoned(e);
            }
            if (again) {
                ticks.set(kept++, t);
            }
        }
        ticks.subList(kept, ticks.size()).clear();
        if (!ticks.isEmpty()) {
            schedule();
        }
    }
}
