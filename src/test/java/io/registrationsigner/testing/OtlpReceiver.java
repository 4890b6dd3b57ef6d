package io.registrationsigner.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

/**
 * An OTLP/HTTP receiver (protobuf, POST /v1/traces), as an OpenTelemetry Collector answers it:
 * the spans a service exports arrive here over the network, decoded with the OTLP protos.
 */
public final class OtlpReceiver implements AutoCloseable {

    private final HttpServer server;
    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();

    private OtlpReceiver(HttpServer server) {
        this.server = server;
    }

    /** On {@code port} of loopback (0: a free one). */
    public static OtlpReceiver start(int port) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
            OtlpReceiver receiver = new OtlpReceiver(server);
            server.createContext("/", receiver::handle);
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String endpoint() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    public List<Span> spans() {
        return List.copyOf(spans);
    }

    /** Export requests of any signal received so far. */
    public int requests() {
        return requests.get();
    }

    public List<Span> spansOfTrace(String traceIdHex) {
        return spans.stream().filter(span -> hex(span.getTraceId().toByteArray()).equals(traceIdHex)).toList();
    }

    public static String hex(byte[] id) {
        return HexFormat.of().formatHex(id);
    }

    public static String attribute(Span span, String key) {
        return span.getAttributesList().stream().filter(attribute -> attribute.getKey().equals(key))
                .map(attribute -> attribute.getValue().hasStringValue() ? attribute.getValue().getStringValue()
                        : attribute.getValue().toString().trim())
                .findFirst().orElse(null);
    }

    /** Every string a span carries: its name, attribute keys and values, events and status message. */
    public static String everything(Span span) {
        StringBuilder all = new StringBuilder(span.getName()).append('\n').append(span.getStatus().getMessage());
        for (KeyValue attribute : span.getAttributesList()) {
            all.append('\n').append(attribute.getKey()).append('=').append(attribute.getValue());
        }
        span.getEventsList().forEach(event -> all.append('\n').append(event));
        return all.toString();
    }

    /** What went wrong decoding requests: nothing, when the exporter speaks OTLP. */
    public List<Throwable> errors() {
        return List.copyOf(errors);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try {
            receive(exchange);
        } catch (IOException | RuntimeException | Error e) {
            errors.add(e);
            exchange.sendResponseHeaders(400, -1);
        } finally {
            exchange.close();
        }
    }

    private void receive(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        InputStream body = exchange.getRequestBody();
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            body = new GZIPInputStream(body);
        }
        byte[] bytes = body.readNBytes(16 << 20);
        byte[] answer = new byte[0];
        if (exchange.getRequestURI().getPath().equals("/v1/traces")) {
            for (ResourceSpans resource : ExportTraceServiceRequest.parseFrom(bytes).getResourceSpansList()) {
                for (ScopeSpans scope : resource.getScopeSpansList()) {
                    spans.addAll(scope.getSpansList());
                }
            }
            answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
        }
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
        exchange.getResponseBody().write(answer);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
