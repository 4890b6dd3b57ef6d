package io.registrationsigner.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

/** The console stream of the audit's group commit: a held flush writes nothing, and holding is bounded. */
class HeldFlushesTest {

    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final AtomicBoolean holding = new AtomicBoolean();
    private final ConsoleGroupCommit.HeldFlushes stream = new ConsoleGroupCommit.HeldFlushes(console, holding::get);

    @Test
    void aFlushWhileHoldingWritesNothingAndTheNextFlushWritesEverythingInOrder() throws IOException {
        holding.set(true);
        write("line 1\n");
        stream.flush();
        write("line 2\n");
        stream.flush();
        assertEquals("", written());
        holding.set(false);
        stream.flush();
        assertEquals("line 1\nline 2\n", written());
        write("line 3\n");
        stream.flush();
        assertEquals("line 1\nline 2\nline 3\n", written());
    }

    @Test
    void whatIsHeldNeverGrowsBeyondItsBoundItLeavesEarlierInstead() throws IOException {
        holding.set(true);
        String line = "x".repeat(99) + "\n";
        int lines = 2 * ConsoleGroupCommit.HeldFlushes.MAX_HELD / line.length();
        for (int i = 0; i < lines; i++) {
            write(line);
            stream.flush();
            int held = (i + 1) * line.length() - console.size();
            assertTrue(held >= 0 && held <= ConsoleGroupCommit.HeldFlushes.MAX_HELD, "held " + held + " bytes");
        }
        assertTrue(console.size() > 0, "nothing was written early");
        holding.set(false);
        stream.flush();
        assertEquals(line.repeat(lines), written());
    }

    @Test
    void aWriteLargerThanTheBoundGoesStraightThroughAfterWhatWasHeld() throws IOException {
        holding.set(true);
        write("held\n");
        String large = "y".repeat(ConsoleGroupCommit.HeldFlushes.MAX_HELD + 1);
        write(large);
        assertEquals("held\n" + large, written());
    }

    private void write(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        stream.write(bytes, 0, bytes.length);
    }

    private String written() {
        return console.toString(StandardCharsets.UTF_8);
    }
}
