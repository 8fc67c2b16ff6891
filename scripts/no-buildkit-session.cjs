// Stand-in for dockerode's lib/session.js (BuildKit sessions over gRPC): opsdeck never builds
// images, and the real one pulls @grpc/grpc-js and protobufjs (~1 MB) into the bundle's start-up.
module.exports = function withSession() {
  throw new Error('BuildKit sessions are not available in this build of opsdeck');
};
