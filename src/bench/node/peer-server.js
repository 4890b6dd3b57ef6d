'use strict';
// The benchmark's peer: SignRegistration as token servers are usually written in Node.js, with
// @grpc/grpc-js, the contract loaded by @grpc/proto-loader, and node-redis (which pipelines the
// commands of one tick on its one connection). Same contract, same bearer token check (SHA-256),
// same INCR key and signature as the service; nothing else (no metrics, no audit line, no limits).
//
// Environment: PEER_PORT, PEER_PROTO_DIR (the unpacked -proto.jar), PEER_REDIS_URL,
// PEER_TOKEN_SHA256 (hex), PEER_APPLICATION_KEY, PEER_APPLICATION_SECRET.

const crypto = require('node:crypto');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { createClient } = require('redis');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const USER_ID = /^[A-Za-z0-9_=-]{1,255}$/;
const tokenSha256 = Buffer.from(env('PEER_TOKEN_SHA256'), 'hex');
const applicationKey = env('PEER_APPLICATION_KEY');
const applicationSecret = env('PEER_APPLICATION_SECRET');

function authenticated(metadata) {
  const header = metadata.get('authorization')[0];
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  const digest = crypto.createHash('sha256').update(header.substring(7)).digest();
  return crypto.timingSafeEqual(digest, tokenSha256);
}

async function main() {
  const definition = protoLoader.loadSync('signer/v1/registration_signer.proto', {
    includeDirs: [env('PEER_PROTO_DIR')], keepCase: true, longs: String, defaults: true,
  });
  const service = grpc.loadPackageDefinition(definition).signer.v1.RegistrationSigner.service;
  const redis = createClient({ url: env('PEER_REDIS_URL') });
  await redis.connect();

  const server = new grpc.Server();
  server.addService(service, {
    SignRegistration(call, callback) {
      if (!authenticated(call.metadata)) {
        callback({ code: grpc.status.UNAUTHENTICATED, details: 'unknown caller' });
        return;
      }
      const { user_id: userId, application_key: key } = call.request;
      if (!USER_ID.test(userId) || (key && key !== applicationKey)) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: 'bad user id or application key' });
        return;
      }
      redis.incr(`signer:seq:${applicationKey}:${userId}`).then((sequence) => {
        const signature = crypto.createHash('sha1')
          .update(userId + applicationKey + sequence + applicationSecret).digest('base64');
        callback(null, { user_id: userId, application_key: applicationKey, sequence: String(sequence), signature });
      }, (error) => callback({ code: grpc.status.UNAVAILABLE, details: error.message }));
    },
  });
  server.bindAsync(`127.0.0.1:${env('PEER_PORT')}`, grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    console.log(`peer listening on ${port}`);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
