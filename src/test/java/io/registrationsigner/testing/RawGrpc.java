package io.registrationsigner.testing;

import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.MessageLite;

import io.grpc.Status;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;

/**
 * One gRPC call written by hand over HTTP/2, for what a grpc-java client never sends: an expired
 * {@code grpc-timeout}, say. Answers the call's status as its trailers (or headers) give it, its message percent-decoded.
 */
public final class RawGrpc {

    /** HTTP/2's CANCEL error code. */
    private static final long CANCEL = 8;

    private RawGrpc() {
    }

    /** @param headers sent as given, after content-type and te */
    public static Status call(URL service, String method, MessageLite request, Map<String, String> headers)
            throws Exception {
        return call(service, method, request.toByteArray(), headers);
    }

    /** @param request the bytes of the message, valid protobuf or not */
    public static Status call(URL service, String method, byte[] request, Map<String, String> headers)
            throws Exception {
        return answer(service, method, request, headers).status();
    }

    /** The status, and the headers and trailers of the answer (lower-case names; empty when the stream was reset). */
    public record Answer(Status status, Map<String, String> headersAndTrailers) {
    }

    public static Answer answer(URL service, String method, byte[] request, Map<String, String> headers)
            throws Exception {
        return answer(service, method, frame(request, false), headers);
    }

    /** A call whose message has the compressed flag set, whatever grpc-encoding the headers give. */
    public static Status callFlaggedCompressed(URL service, String method, byte[] request, Map<String, String> headers)
            throws Exception {
        return answer(service, method, frame(request, true), headers).status();
    }

    private static Answer answer(URL service, String method, Buffer framed, Map<String, String> headers)
            throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false));
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(service.getHost())
                    .setPort(service.getPort()).setURI("/" + method);
            HttpClientResponse response;
            try {
                response = client.request(options).compose(call -> {
                    call.putHeader("content-type", "application/grpc").putHeader("te", "trailers");
                    headers.forEach(call::putHeader);
                    return call.send(framed);
                }).compose(answer -> answer.body().map(body -> answer)).toCompletionStage().toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof StreamResetException reset) {
                    // What gRPC clients make of a reset stream (gRPC over HTTP/2: RST_STREAM CANCEL is CANCELLED).
                    return new Answer((reset.getCode() == CANCEL ? Status.CANCELLED : Status.INTERNAL)
                            .withDescription("stream reset by the server, HTTP/2 error " + reset.getCode()), Map.of());
                }
                throw e;
            }
            String status = response.getTrailer("grpc-status") != null ? response.getTrailer("grpc-status")
                    : response.getHeader("grpc-status");
            String message = response.getTrailer("grpc-message") != null ? response.getTrailer("grpc-message")
                    : response.getHeader("grpc-message");
            Map<String, String> all = new TreeMap<>();
            response.headers().forEach(header -> all.put(header.getKey().toLowerCase(Locale.ROOT), header.getValue()));
            response.trailers().forEach(trailer -> all.put(trailer.getKey().toLowerCase(Locale.ROOT), trailer.getValue()));
            return new Answer(Status.fromCodeValue(Integer.parseInt(status))
                    .withDescription(message == null ? null : URLDecoder.decode(message, StandardCharsets.UTF_8)), all);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** A length-prefixed gRPC message, its compressed flag as given. */
    private static Buffer frame(byte[] message, boolean compressedFlag) {
        return Buffer.buffer().appendByte((byte) (compressedFlag ? 1 : 0)).appendInt(message.length).appendBytes(message);
    }
}
