package io.registrationsigner.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The stalls of the machine, measured as jHiccup does: a thread that sleeps for 1 ms at a time
 * and notes how much later than asked it wakes up. Every server's latency includes them; on a
 * shared virtual machine they reach tens of milliseconds with nothing else running.
 */
final class Stalls implements AutoCloseable {

    private static final long SLEEP = TimeUnit.MILLISECONDS.toNanos(1);

    private final AtomicLong longest = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private Stalls() {
        thread = new Thread(this::measure, "stalls");
        thread.setDaemon(true);
        thread.setPriority(Thread.MAX_PRIORITY);
    }

    static Stalls start() {
        Stalls stalls = new Stalls();
        stalls.thread.start();
        return stalls;
    }

    private void measure() {
        while (running) {
            long before = System.nanoTime();
            LockSupport.parkNanos(SLEEP);
            long late = System.nanoTime() - before - SLEEP;
            longest.accumulateAndGet(late, Math::max);
        }
    }

    /** The longest stall since the last call, in ms. */
    double takeLongestMillis() {
        return longest.getAndSet(0) / 1e6;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(1000);
    }
}
