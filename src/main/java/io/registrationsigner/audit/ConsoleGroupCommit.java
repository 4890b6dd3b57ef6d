package io.registrationsigner.audit;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.logging.Formatter;
import java.util.logging.Handler;

import org.jboss.logging.Logger;
import org.jboss.logmanager.ExtFormatter;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.handlers.AsyncHandler;
import org.jboss.logmanager.handlers.ConsoleHandler;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Group commit of the console log on the event loops: the audit lines that the calls completed in
 * one event-loop task log leave in one write system call, at the end of that task, and those calls
 * are answered only after it. One write instead of one per line, and still no answer ahead of its
 * audit line, even if the process is killed.
 * <p>
 * It holds back the flushes of Quarkus' console handler on a thread with an open batch; any other
 * thread's flush, or more than {@link HeldFlushes#MAX_HELD} bytes, writes everything held at once.
 * Lines may leave earlier than the batch's end, never later.
 */
final class ConsoleGroupCommit implements Executor {

    private static final Logger LOG = Logger.getLogger(ConsoleGroupCommit.class);

    private final ExtHandler console;
    private final ThreadLocal<Batch> batches = ThreadLocal.withInitial(Batch::new);

    private ConsoleGroupCommit(ExtHandler console) {
        this.console = console;
    }

    /**
     * Takes over the flushes of the console handler of the root logger, when there is one that
     * writes synchronously: an asynchronous console ({@code quarkus.log.console.async}) has its own
     * queue, and a disabled one nothing to batch.
     */
    static Optional<ConsoleGroupCommit> install(boolean stderr) {
        return consoleHandler(LogContext.getLogContext().getLogger("").getHandlers()).map(handler -> {
            ConsoleGroupCommit groupCommit = new ConsoleGroupCommit(handler);
            // A handler writes its formatter's head to every new output stream, and the head of
            // Quarkus' console formatter is the banner, already written: the new stream gets none.
            Formatter formatter = handler.getFormatter();
            handler.setFormatter(new WithoutHead(formatter));
            try {
                handler.setOutputStream(new HeldFlushes(stderr ? System.err : System.out, groupCommit::holding));
            } finally {
                handler.setFormatter(formatter);
            }
            return groupCommit;
        });
    }

    /** The formatter, with no head (and no tail for the stream it replaces). */
    private static final class WithoutHead extends ExtFormatter.Delegating {

        WithoutHead(Formatter formatter) {
            super(formatter instanceof ExtFormatter ext ? ext : ExtFormatter.wrap(formatter, false));
        }

        @Override
        public String getHead(Handler handler) {
            return "";
        }

        @Override
        public String getTail(Handler handler) {
            return "";
        }
    }

    private static Optional<ConsoleHandler> consoleHandler(Handler[] handlers) {
        for (Handler handler : handlers) {
            if (handler instanceof ConsoleHandler console) {
                return Optional.of(console);
            }
            // Quarkus' handlers sit under its delayed handler; an AsyncHandler's are written on its own thread.
            if (handler instanceof ExtHandler ext && !(handler instanceof AsyncHandler)) {
                Optional<ConsoleHandler> nested = consoleHandler(ext.getHandlers());
                if (nested.isPresent()) {
                    return nested;
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Runs {@code log}; on an event loop, what it writes to the console leaves at the end of the
     * current task, with the rest of the batch.
     */
    void write(Runnable log) {
        Context context = Context.isOnEventLoopThread() ? Vertx.currentContext() : null;
        Batch batch = context == null ? null : batches.get();
        if (batch != null && !batch.open) {
            batch.open = true;
            try {
                context.runOnContext(ignored -> end(batch));
            } catch (RuntimeException e) {
                // An event loop that takes no more tasks (shutdown): written at once.
                batch.open = false;
            }
        }
        log.run();
    }

    /** Runs {@code task} once what this thread has logged is written: at the end of its batch, or now. */
    @Override
    public void execute(Runnable task) {
        Batch batch = batches.get();
        if (batch.open) {
            batch.waiting.add(task);
        } else {
            task.run();
        }
    }

    private boolean holding() {
        return batches.get().open;
    }

    private void end(Batch batch) {
        batch.open = false;
        // Not held any more on this thread: the console handler's flush writes.
        console.flush();
        List<Runnable> written = batch.waiting;
        batch.waiting = batch.spare;
        batch.spare = written;
        for (Runnable task : written) {
            try {
                task.run();
            } catch (RuntimeException e) {
                // One answer's failure must not strand the others of the batch.
                LOG.error("Answering a call after its audit line failed", e);
            }
        }
        written.clear();
    }

    /** Whether this thread's console flushes are held, and the tasks that wait for them. */
    private static final class Batch {
        boolean open;
        List<Runnable> waiting = new ArrayList<>();
        List<Runnable> spare = new ArrayList<>();
    }

    /** The console handler's stream: a flush on a thread that holds is deferred until that thread's batch ends. */
    static final class HeldFlushes extends OutputStream {

        /** Beyond this, held bytes are written anyway: a batch costs at most this much memory. */
        static final int MAX_HELD = 64 * 1024;

        private final OutputStream target;
        private final BooleanSupplier holding;
        private byte[] held = new byte[8192];
        private int count;

        HeldFlushes(OutputStream target, BooleanSupplier holding) {
            this.target = target;
            this.holding = holding;
        }

        @Override
        public synchronized void write(int b) throws IOException {
            write(new byte[] { (byte) b }, 0, 1);
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
            if (count + length > held.length) {
                if (count + length > MAX_HELD) {
                    writeHeld();
                    if (length > MAX_HELD) {
                        target.write(bytes, offset, length);
                        return;
                    }
                }
                if (count + length > held.length) {
                    held = Arrays.copyOf(held, Math.min(MAX_HELD, Math.max(held.length * 2, count + length)));
                }
            }
            System.arraycopy(bytes, offset, held, count, length);
            count += length;
        }

        @Override
        public synchronized void flush() throws IOException {
            if (holding.getAsBoolean()) {
                return;
            }
            writeHeld();
            target.flush();
        }

        private void writeHeld() throws IOException {
            if (count > 0) {
                target.write(held, 0, count);
                count = 0;
            }
        }
    }
}
