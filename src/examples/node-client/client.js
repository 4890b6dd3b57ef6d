'use strict';
// Calls registration-signer as a client team's Node service would, from the contract's .proto
// files alone: a channel that retries UNAVAILABLE, a deadline on every call, RESOURCE_EXHAUSTED
// waited out as its RetryInfo detail says.
//
// Environment: SIGNER_TARGET (host:port, plaintext), SIGNER_TOKEN (the caller's bearer token),
// SIGNER_PROTO_DIR (the unpacked -proto.jar: signer/, google/api/, google/rpc/).
// Arguments: a user id, and how many legacy credentials to issue for it (default 1).
// Prints one line per event; on a failure, its status and ErrorInfo reason, and exits with 1.

const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

// The retry policy docs/clients.md recommends. A retried call gets a new sequence, never an old one.
const SERVICE_CONFIG = {
  methodConfig: [{
    name: [{ service: 'signer.v1.RegistrationSigner' }],
    retryPolicy: {
      maxAttempts: 5,
      initialBackoff: '0.1s',
      maxBackoff: '1s',
      backoffMultiplier: 2,
      retryableStatusCodes: ['UNAVAILABLE'],
    },
  }],
};
const RATE_LIMIT_WAITS = 3;
// The service answers within its Redis timeout (2 s).
const DEADLINE_MS = 3000;

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const protoDir = env('SIGNER_PROTO_DIR');
const definition = protoLoader.loadSync('signer/v1/registration_signer.proto', {
  includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
});
const { RegistrationSigner } = grpc.loadPackageDefinition(definition).signer.v1;

// google.rpc.Status and its details, as the service sends them in grpc-status-details-bin.
const rpc = new protobuf.Root();
rpc.resolvePath = (origin, target) => path.join(protoDir, target);
rpc.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
const Status = rpc.lookupType('google.rpc.Status');

function details(error) {
  const bin = error.metadata && error.metadata.get('grpc-status-details-bin')[0];
  if (!bin) return {};
  const found = {};
  for (const detail of Status.decode(bin).details) {
    const name = detail.type_url.substring(detail.type_url.lastIndexOf('/') + 1);
    try {
      found[name] = rpc.lookupType(name).decode(detail.value);
    } catch (unknown) {
      // a detail type this client does not know: skip it
    }
  }
  return found;
}

function reason(error) {
  const info = details(error)['google.rpc.ErrorInfo'];
  return info ? info.reason : '-';
}

const signer = new RegistrationSigner(env('SIGNER_TARGET'), grpc.credentials.createInsecure(), {
  'grpc.service_config': JSON.stringify(SERVICE_CONFIG),
});
const metadata = new grpc.Metadata();
metadata.set('authorization', `Bearer ${env('SIGNER_TOKEN')}`);

function once(method, request) {
  return new Promise((resolve, reject) => {
    signer[method](request, metadata, { deadline: Date.now() + DEADLINE_MS },
      (error, response) => (error ? reject(error) : resolve(response)));
  });
}

// Runs the call; when it is rate limited, waits as its RetryInfo says and calls again.
async function call(method, request) {
  for (let waits = 0; ; waits++) {
    try {
      return await once(method, request);
    } catch (error) {
      const retry = details(error)['google.rpc.RetryInfo'];
      if (error.code !== grpc.status.RESOURCE_EXHAUSTED || !retry || waits === RATE_LIMIT_WAITS) throw error;
      const delay = retry.retry_delay || retry.retryDelay;
      const millis = Number(delay.seconds || 0) * 1000 + Math.floor((delay.nanos || 0) / 1e6);
      console.log(`rate limited ${reason(error)}: waiting ${millis} ms as RetryInfo says`);
      await new Promise((done) => setTimeout(done, millis));
    }
  }
}

async function main(userId, count) {
  for (let i = 0; i < count; i++) {
    const signed = await call('SignRegistration', { user_id: userId });
    console.log(`signed ${signed.user_id} sequence=${signed.sequence} signature=${signed.signature}`);
    const verified = await call('VerifyRegistration', {
      user_id: userId, legacy: { sequence: signed.sequence, signature: signed.signature },
    });
    console.log(`verified sequence=${signed.sequence} valid=${verified.valid}`);
  }
  const token = await call('IssueRegistrationToken', { user_id: userId });
  console.log(`token key_id=${token.key_id} expires_at=${token.expires_at.seconds} token=${token.token}`);
}

main(process.argv[2], Number(process.argv[3] || 1))
  .then(() => signer.close())
  .catch((error) => {
    if (error.code === undefined) throw error;
    console.log(`failed ${grpc.status[error.code]} ${reason(error)}: ${error.details}`);
    signer.close();
    process.exitCode = 1;
  });
