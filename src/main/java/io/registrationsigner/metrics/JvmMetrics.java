package io.registrationsigner.metrics;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.netty.util.internal.PlatformDependent;
import io.quarkus.micrometer.runtime.binder.JVMInfoBinder;

/**
 * The JVM metrics of Quarkus' JVM binder (switched off: {@code quarkus.micrometer.binder.jvm}), with
 * the garbage collectors read from their MXBeans when Prometheus scrapes. Quarkus' binder has
 * Micrometer's {@code JvmGcMetrics} and {@code JvmHeapPressureMetrics} listen for the JMX notification
 * that follows every collection: the JVM then builds it and runs the listeners right after each
 * pause, on a core that the calls held by the pause are waiting for (docs/performance.md). Read
 * at scrape time, the collectors cost nothing between scrapes. One more gauge,
 * {@code jvm_buffer_memory_max_bytes{id="direct"}}: the limit that direct buffers run into
 * ({@code -XX:MaxDirectMemorySize}, else the heap's maximum), which Micrometer's buffer metrics lack.
 */
@Singleton
public class JvmMetrics implements MeterBinder {

    // Held here: a Micrometer function meter keeps only a weak reference to what it reads.
    private final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
    private final List<MemoryPoolMXBean> longLivedPools = ManagementFactory.getMemoryPoolMXBeans().stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP && isLongLived(pool.getName()))
            .toList();
    private final long maxDirectMemory = PlatformDependent.estimateMaxDirectMemory();

    @Override
    public void bindTo(MeterRegistry registry) {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new JVMInfoBinder().bindTo(registry);
        long maxDirectMemory = this.maxDirectMemory;
        // A strong reference: the same for the JVM's life, whichever instance of the application reads it.
        Gauge.builder("jvm.buffer.memory.max", () -> maxDirectMemory)
                .tag("id", "direct")
                .description("The most memory that the direct buffers may take")
                .baseUnit(BaseUnits.BYTES)
                .register(registry);
        for (GarbageCollectorMXBean collector : collectors) {
            boolean concurrent = isConcurrent(collector.getName());
            FunctionTimer.builder(concurrent ? "jvm.gc.concurrent.phase.time" : "jvm.gc.pause", collector,
                    GarbageCollectorMXBean::getCollectionCount, GarbageCollectorMXBean::getCollectionTime,
                    TimeUnit.MILLISECONDS)
                    .tag("gc", collector.getName())
                    .description(concurrent ? "Time spent in concurrent phases of the collector"
                            : "Time spent in garbage collection pauses")
                    .register(registry);
        }
        for (MemoryPoolMXBean pool : longLivedPools) {
            Gauge.builder("jvm.gc.live.data.size", pool, JvmMetrics::usedAfterLastCollection)
                    .description("Size of the long-lived heap memory pool after its last collection")
                    .baseUnit(BaseUnits.BYTES)
                    .register(registry);
            Gauge.builder("jvm.gc.max.data.size", pool, p -> p.getUsage().getMax())
                    .description("Max size of the long-lived heap memory pool")
                    .baseUnit(BaseUnits.BYTES)
                    .register(registry);
        }
    }

    /** The MXBeans that time a collector's concurrent work, not its pauses: ZGC's, Shenandoah's, G1's. */
    private static boolean isConcurrent(String collector) {
        return collector.endsWith("Cycles") || collector.equals("G1 Concurrent GC");
    }

    /** Serial's Tenured Gen, Parallel's PS Old Gen, G1 Old Gen, ZGC Old Generation. */
    private static boolean isLongLived(String pool) {
        return pool.contains("Old") || pool.contains("Tenured");
    }

    private static double usedAfterLastCollection(MemoryPoolMXBean pool) {
        MemoryUsage usage = pool.getCollectionUsage();
        return usage == null ? Double.NaN : usage.getUsed();
    }
}
