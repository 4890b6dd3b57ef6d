package io.registrationsigner.transport;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.registrationsigner.grpc.status.GrpcErrors;

/**
 * Answers a request that is not a valid protobuf message of its method with INVALID_ARGUMENT
 * (reason MALFORMED_MESSAGE). grpc-java's server would end such a call with UNKNOWN ("Application
 * error processing RPC") and log a SEVERE stack trace for each: a log that any stranger could fill.
 * Each method's request is parsed here, outside the interceptors and the service, which see only
 * requests that parsed.
 */
final class MalformedMessages {

    // The same answer for every such request: built once.
    private static final StatusRuntimeException REFUSAL = GrpcErrors.malformedMessage();

    private MalformedMessages() {
    }

    static ServerServiceDefinition refusedUnparsed(ServerServiceDefinition service) {
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(service.getServiceDescriptor().getName())
                .setSchemaDescriptor(service.getServiceDescriptor().getSchemaDescriptor());
        List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
        for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
            ServerMethodDefinition<?, ?> wrapped = wrap(method);
            descriptor.addMethod(wrapped.getMethodDescriptor());
            methods.add(wrapped);
        }
        ServerServiceDefinition.Builder wrapped = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(wrapped::addMethod);
        return wrapped.build();
    }

    private static <Q, R> ServerMethodDefinition<Parsed<Q>, R> wrap(ServerMethodDefinition<Q, R> definition) {
        MethodDescriptor<Q, R> method = definition.getMethodDescriptor();
        MethodDescriptor<Parsed<Q>, R> parsedFirst = method.toBuilder(new ParsingMarshaller<>(method.getRequestMarshaller()),
                method.getResponseMarshaller()).build();
        ServerCallHandler<Parsed<Q>, R> handler = (call, headers) -> {
            ServerCall.Listener<Q> listener = definition.getServerCallHandler().startCall(new UnparsedCall<>(call, method), headers);
            return new ParsedListener<>(listener, call);
        };
        return ServerMethodDefinition.create(parsedFirst, handler);
    }

    /** A request, or the failure to parse it. */
    record Parsed<Q>(Q request, RuntimeException failure) {
    }

    /** Parses as the method's own marshaller does, but hands a failure over instead of throwing it. */
    private record ParsingMarshaller<Q>(MethodDescriptor.Marshaller<Q> marshaller) implements MethodDescriptor.Marshaller<Parsed<Q>> {

        @Override
        public InputStream stream(Parsed<Q> value) {
            return marshaller.stream(value.request());
        }

        @Override
        public Parsed<Q> parse(InputStream stream) {
            try {
                return new Parsed<>(marshaller.parse(stream), null);
            } catch (RuntimeException e) {
                return new Parsed<>(null, e);
            }
        }
    }

    /** Hands parsed requests on; ends the call at the first that did not parse, and passes nothing more on. */
    private static final class ParsedListener<Q, R> extends ServerCall.Listener<Parsed<Q>> {

        private final ServerCall.Listener<Q> delegate;
        private final ServerCall<Parsed<Q>, R> call;
        private boolean refused;

        ParsedListener(ServerCall.Listener<Q> delegate, ServerCall<Parsed<Q>, R> call) {
            this.delegate = delegate;
            this.call = call;
        }

        @Override
        public void onMessage(Parsed<Q> message) {
            if (refused) {
                return;
            }
            if (message.failure() != null) {
                refused = true;
                GrpcErrors.close(call, REFUSAL);
                return;
            }
            delegate.onMessage(message.request());
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                delegate.onHalfClose();
            }
        }

        @Override
        public void onCancel() {
            delegate.onCancel();
        }

        @Override
        public void onComplete() {
            delegate.onComplete();
        }

        @Override
        public void onReady() {
            delegate.onReady();
        }
    }

    /** The call as the interceptors and the service know it: with the method's own request type. */
    private static final class UnparsedCall<Q, R> extends ServerCall<Q, R> {

        private final ServerCall<Parsed<Q>, R> call;
        private final MethodDescriptor<Q, R> method;

        UnparsedCall(ServerCall<Parsed<Q>, R> call, MethodDescriptor<Q, R> method) {
            this.call = call;
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
            call.request(numMessages);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            call.sendHeaders(headers);
        }

        @Override
        public void sendMessage(R message) {
            call.sendMessage(message);
        }

        @Override
        public boolean isReady() {
            return call.isReady();
        }

        @Override
        public void close(Status status, Metadata trailers) {
            call.close(status, trailers);
        }

        @Override
        public boolean isCancelled() {
            return call.isCancelled();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            call.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            call.setCompression(compressor);
        }

        @Override
        public void setOnReadyThreshold(int numBytes) {
            call.setOnReadyThreshold(numBytes);
        }

        @Override
        public SecurityLevel getSecurityLevel() {
            return call.getSecurityLevel();
        }

        @Override
        public Attributes getAttributes() {
            return call.getAttributes();
        }

        @Override
        public String getAuthority() {
            return call.getAuthority();
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }
    }
}
