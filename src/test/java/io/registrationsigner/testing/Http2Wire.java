package io.registrationsigner.testing;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A plain-text HTTP/2 connection written frame by frame, for what no gRPC client sends: streams
 * that never end, resets in a loop, half a preface, floods of control frames. Its reader thread
 * answers the server's SETTINGS and counts what comes back by frame type; it reads no response
 * headers (HPACK) beyond their frame.
 */
public final class Http2Wire implements AutoCloseable {

    public static final int DATA = 0;
    public static final int HEADERS = 1;
    public static final int RST_STREAM = 3;
    public static final int SETTINGS = 4;
    public static final int PING = 6;
    public static final int GOAWAY = 7;
    public static final int WINDOW_UPDATE = 8;

    public static final int SETTINGS_MAX_CONCURRENT_STREAMS = 3;
    public static final int SETTINGS_INITIAL_WINDOW_SIZE = 4;
    public static final int ENHANCE_YOUR_CALM = 11;
    public static final int CANCEL = 8;

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int ACK = 0x1;

    private final Socket socket;
    private final DataOutputStream out;
    private final String authority;
    private final Map<Integer, AtomicInteger> framesByType = new ConcurrentHashMap<>();
    private final Map<Integer, Integer> serverSettings = new ConcurrentHashMap<>();
    private final CountDownLatch settingsReceived = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile int goAwayError = -1;
    /** The server's SETTINGS are acknowledged only after the preface, which must come first. */
    private volatile boolean prefaceSent;
    private volatile long closedAt;
    /** What the server lets this side send on the connection (HTTP/2 flow control); HTTP/2's initial 65,535. */
    private long sendWindow = 65_535;

    private Http2Wire(URL service) throws IOException {
        this(new Socket(service.getHost(), service.getPort()), service);
    }

    private Http2Wire(Socket socket, URL service) throws IOException {
        this.socket = socket;
        this.socket.setTcpNoDelay(true);
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
        this.authority = service.getHost() + ":" + service.getPort();
        Thread reader = new Thread(this::read, "http2-wire-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** A TCP connection that has sent nothing. */
    public static Http2Wire tcp(URL service) throws IOException {
        return new Http2Wire(service);
    }

    /** An HTTP/2 connection: the preface and an empty SETTINGS sent, the server's SETTINGS awaited. */
    public static Http2Wire connect(URL service) throws IOException, InterruptedException {
        return handshake(new Http2Wire(service));
    }

    /** The same over TLS (ALPN h2), without a client certificate, trusting whatever certificate the server shows. */
    public static Http2Wire connectTls(URL service) throws IOException, InterruptedException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] { new TrustingEveryone() }, null);
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(service.getHost(), service.getPort());
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] { "h2" });
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return handshake(new Http2Wire(socket, service));
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static Http2Wire handshake(Http2Wire wire) throws IOException, InterruptedException {
        synchronized (wire.out) {
            wire.out.write(PREFACE);
            wire.frame(SETTINGS, 0, 0, new byte[0]);
            wire.prefaceSent = true;
        }
        wire.flush();
        if (!wire.settingsReceived.await(10, TimeUnit.SECONDS)) {
            wire.close();
            throw new IOException("no SETTINGS from the server within 10 s");
        }
        return wire;
    }

    /** The first {@code bytes} bytes of the connection preface. */
    public void partialPreface(int bytes) throws IOException {
        out.write(PREFACE, 0, bytes);
        flush();
    }

    /** A gRPC call's HEADERS for {@code path}: with END_STREAM when {@code endStream}. */
    public void headers(int streamId, String path, Map<String, String> extra, boolean endStream) throws IOException {
        frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, headerBlock(path, extra));
    }

    /** The first half of a HEADERS frame: its header and part of its payload, never the rest. */
    public void partialHeaders(int streamId, String path) throws IOException {
        byte[] block = headerBlock(path, Map.of());
        frameHeader(block.length, HEADERS, END_HEADERS, streamId);
        out.write(block, 0, block.length / 2);
        flush();
    }

    /**
     * gRPC's length-prefixed message of {@code declaredLength} bytes, of which {@code sent} bytes
     * are sent, once the connection's flow-control window has room for them (at most 10 s).
     *
     * @return whether it was sent
     */
    public boolean message(int streamId, int declaredLength, int sent, boolean endStream)
            throws IOException, InterruptedException {
        synchronized (this) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (sendWindow < 5 + sent && System.nanoTime() < deadline && !isClosed()) {
                flush();
                wait(100);
            }
            if (sendWindow < 5 + sent) {
                return false;
            }
            sendWindow -= 5 + sent;
        }
        byte[] payload = new byte[5 + sent];
        payload[1] = (byte) (declaredLength >>> 24);
        payload[2] = (byte) (declaredLength >>> 16);
        payload[3] = (byte) (declaredLength >>> 8);
        payload[4] = (byte) declaredLength;
        frame(DATA, endStream ? END_STREAM : 0, streamId, payload);
        return true;
    }

    public void reset(int streamId, int errorCode) throws IOException {
        frame(RST_STREAM, 0, streamId, int32(errorCode));
    }

    public void ping(long data) throws IOException {
        byte[] payload = new byte[8];
        for (int i = 0; i < 8; i++) {
            payload[i] = (byte) (data >>> (56 - 8 * i));
        }
        frame(PING, 0, 0, payload);
    }

    public void windowUpdate(int streamId, int increment) throws IOException {
        frame(WINDOW_UPDATE, 0, streamId, int32(increment));
    }

    public void flush() throws IOException {
        synchronized (out) {
            out.flush();
        }
    }

    /** Frames of this type received so far. */
    public int received(int frameType) {
        AtomicInteger count = framesByType.get(frameType);
        return count == null ? 0 : count.get();
    }

    /** A value of the server's first SETTINGS; empty when it did not send it (the protocol's default holds). */
    public OptionalInt serverSetting(int id) {
        Integer value = serverSettings.get(id);
        return value == null ? OptionalInt.empty() : OptionalInt.of(value);
    }

    /** The error code of the server's GOAWAY, if it sent one. */
    public OptionalInt goAwayError() {
        return goAwayError < 0 ? OptionalInt.empty() : OptionalInt.of(goAwayError);
    }

    /** Whether the server closed the connection (or reset it) within {@code timeout}. */
    public boolean awaitClosed(Duration timeout) throws InterruptedException {
        return closed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** {@link System#nanoTime()} when the connection was closed. */
    public long closedAt() {
        return closedAt;
    }

    public boolean isClosed() {
        return closed.getCount() == 0;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private void read() {
        try (DataInputStream in = new DataInputStream(socket.getInputStream())) {
            while (true) {
                int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int streamId = in.readInt() & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                framesByType.computeIfAbsent(type, t -> new AtomicInteger()).incrementAndGet();
                if (type == SETTINGS && (flags & ACK) == 0) {
                    for (int i = 0; i + 6 <= payload.length; i += 6) {
                        serverSettings.putIfAbsent((payload[i] & 0xff) << 8 | payload[i + 1] & 0xff, readInt(payload, i + 2));
                    }
                    synchronized (out) {
                        if (prefaceSent) {
                            frame(SETTINGS, ACK, 0, new byte[0]);
                            out.flush();
                        }
                    }
                    settingsReceived.countDown();
                } else if (type == WINDOW_UPDATE && streamId == 0 && payload.length == 4) {
                    synchronized (this) {
                        sendWindow += readInt(payload, 0);
                        notifyAll();
                    }
                } else if (type == GOAWAY && payload.length >= 8) {
                    goAwayError = readInt(payload, 4);
                }
            }
        } catch (IOException e) {
            // The server closed or reset the connection, or the test did.
        } finally {
            closedAt = System.nanoTime();
            closed.countDown();
            synchronized (this) {
                notifyAll();
            }
        }
    }

    private void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
        synchronized (out) {
            frameHeader(payload.length, type, flags, streamId);
            out.write(payload);
        }
    }

    private void frameHeader(int length, int type, int flags, int streamId) throws IOException {
        synchronized (out) {
            out.write(length >>> 16);
            out.write(length >>> 8);
            out.write(length);
            out.write(type);
            out.write(flags);
            out.writeInt(streamId);
        }
    }

    /** For a test's own server only. */
    private static final class TrustingEveryone implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    /** HPACK: every field a literal without indexing, no Huffman coding. */
    private byte[] headerBlock(String path, Map<String, String> extra) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        literal(block, ":method", "POST");
        literal(block, ":scheme", "http");
        literal(block, ":path", path);
        literal(block, ":authority", authority);
        literal(block, "content-type", "application/grpc");
        literal(block, "te", "trailers");
        extra.forEach((name, value) -> literal(block, name, value));
        return block.toByteArray();
    }

    private static void literal(ByteArrayOutputStream block, String name, String value) {
        block.write(0);
        string(block, name);
        string(block, value);
    }

    private static void string(ByteArrayOutputStream block, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        // A 7-bit prefix integer (RFC 7541, 5.1), the Huffman bit off.
        int length = bytes.length;
        if (length < 127) {
            block.write(length);
        } else {
            block.write(127);
            length -= 127;
            while (length >= 128) {
                block.write(length & 0x7f | 0x80);
                length >>>= 7;
            }
            block.write(length);
        }
        block.write(bytes, 0, bytes.length);
    }

    private static byte[] int32(int value) {
        return new byte[] { (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value };
    }

    private static int readInt(byte[] bytes, int offset) {
        return (bytes[offset] & 0xff) << 24 | (bytes[offset + 1] & 0xff) << 16 | (bytes[offset + 2] & 0xff) << 8
                | bytes[offset + 3] & 0xff;
    }
}
