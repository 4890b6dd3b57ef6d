package io.registrationsigner.logging;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one log line per interval for one kind of event, however often a stranger makes it
 * happen; the line that is written says how many were left out. Lock-free: any thread may ask.
 */
public final class LogThrottle {

    private final long intervalNanos;
    private final AtomicLong nextNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong unlogged = new AtomicLong();

    public LogThrottle(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /** Whether to log this event now: the events left out since the last logged one, or -1 to log nothing. */
    public long admit() {
        long now = System.nanoTime();
        long next = nextNanos.get();
        if (now - next >= 0 && nextNanos.compareAndSet(next, now + intervalNanos)) {
            return unlogged.getAndSet(0);
        }
        unlogged.incrementAndGet();
        return -1;
    }

    /** The end of a line that {@link #admit()} allowed: how many such events it stands for. */
    public static String andUnlogged(long unlogged) {
        return unlogged > 0 ? "; " + unlogged + " more such since the last line" : "";
    }
}
