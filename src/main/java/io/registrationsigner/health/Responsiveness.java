package io.registrationsigner.health;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.netty.util.concurrent.EventExecutor;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.registrationsigner.metrics.EventLoopMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxInternal;

/**
 * Whether the process still serves calls: every event loop runs a task within a few seconds, and
 * the garbage collector leaves the threads most of the time. A watchdog thread of its own (not an
 * event loop, which could be the one stuck) hands each event loop a task every second and samples
 * the collectors' time. Readiness and liveness read it, so that a pod whose event loops are
 * blocked, or that thrashes in GC, leaves the load balancers and is then restarted, while the
 * management port would still answer. The same waits are metrics ({@link EventLoopMetrics}).
 */
@ApplicationScoped
public class Responsiveness {

    static final Duration TICK = Duration.ofSeconds(1);
    /** The GC share is taken over this window: ten ticks. */
    static final int GC_WINDOW_TICKS = 10;

    private final Vertx vertx;
    private final EventLoopMetrics metrics;
    private final List<EventExecutor> eventLoops = new ArrayList<>();
    /** Per event loop: when the task it was last handed was handed out, or 0 when it has run it. */
    private final List<AtomicLong> waitingSince = new ArrayList<>();
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    /** Per tick: the collectors' total time in ms, and when it was read (ns): a ring of the window's ticks. */
    private final long[] gcMillisByTick = new long[GC_WINDOW_TICKS + 1];
    private final long[] nanosByTick = new long[GC_WINDOW_TICKS + 1];
    private volatile double gcShare;
    private int tick;
    private volatile Thread watchdog;

    Responsiveness(Vertx vertx, EventLoopMetrics metrics) {
        this.vertx = vertx;
        this.metrics = metrics;
    }

    void started(@Observes StartupEvent event) {
        ((VertxInternal) vertx).getEventLoopGroup().forEach(executor -> {
            eventLoops.add(executor);
            waitingSince.add(new AtomicLong());
        });
        metrics.readStallsFrom(this::longestStall);
        Thread thread = new Thread(this::watch, "event-loop-watchdog");
        thread.setDaemon(true);
        watchdog = thread;
        thread.start();
    }

    void stopped(@Observes ShutdownEvent event) {
        Thread thread = watchdog;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** The longest time an event loop has kept a task waiting, now. */
    public Duration longestStall() {
        long now = System.nanoTime();
        long longest = 0;
        for (AtomicLong since : waitingSince) {
            long handedOut = since.get();
            if (handedOut != 0) {
                longest = Math.max(longest, now - handedOut);
            }
        }
        return Duration.ofNanos(longest);
    }

    /** The share of the last {@value #GC_WINDOW_TICKS} ticks' time that the garbage collectors took, 0 to 1. */
    public double gcShare() {
        return gcShare;
    }

    /** Why the process does not serve in time, judged against these bounds; empty when it does. */
    Optional<String> problem(Duration maxStall, double maxGcShare) {
        Duration stall = longestStall();
        if (stall.compareTo(maxStall) > 0) {
            return Optional.of("an event loop has not run for " + stall.toMillis() + " ms");
        }
        double share = gcShare;
        if (share > maxGcShare) {
            return Optional.of(String.format("garbage collection took %.0f %% of the last %d s", share * 100,
                    GC_WINDOW_TICKS * TICK.toSeconds()));
        }
        return Optional.empty();
    }

    private void watch() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                for (int i = 0; i < eventLoops.size(); i++) {
                    AtomicLong since = waitingSince.get(i);
                    // A loop that has not run the last task yet is not handed another: its wait goes on.
                    if (since.compareAndSet(0, System.nanoTime())) {
                        eventLoops.get(i).execute(() -> metrics.recordDelay(System.nanoTime() - since.getAndSet(0)));
                    }
                }
                sampleGc();
                TimeUnit.NANOSECONDS.sleep(TICK.toNanos());
            }
        } catch (InterruptedException | RejectedExecutionException stopped) {
            // Shutting down: the event loops take no more tasks.
            Thread.currentThread().interrupt();
        }
    }

    private void sampleGc() {
        long millis = 0;
        for (GarbageCollectorMXBean collector : collectors) {
            millis += Math.max(0, collector.getCollectionTime());
        }
        long now = System.nanoTime();
        int oldest = (tick + 1) % gcMillisByTick.length;
        gcMillisByTick[tick % gcMillisByTick.length] = millis;
        nanosByTick[tick % nanosByTick.length] = now;
        if (tick >= GC_WINDOW_TICKS) {
            // Over the wall time the window really took: a long pause stretches a tick too.
            double windowMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(now - nanosByTick[oldest]));
            gcShare = Math.min(1, (millis - gcMillisByTick[oldest]) / windowMillis);
        }
        tick++;
    }
}
