// Streams one completion from a Herd gateway with @grpc/grpc-js, loading the contract from
// protos/, and prints what it received as one JSON object: the text, the token ids and the
// final message, or the gRPC error code and details.
//
// usage: node complete.js <host:port> <model> <prompt> <max_tokens>
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const [address, model, prompt, maxTokens] = process.argv.slice(2);
if (!address || !model || prompt === undefined || !maxTokens) {
  console.error('usage: node complete.js <host:port> <model> <prompt> <max_tokens>');
  process.exit(2);
}

const protos = path.resolve(__dirname, '..', '..', '..', 'protos');
const definition = protoLoader.loadSync('herd/v1/completions.proto', {
  includeDirs: [protos],
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});
const herd = grpc.loadPackageDefinition(definition).herd.v1;
const client = new herd.Completions(address, grpc.credentials.createInsecure());

const result = { text: '', token_ids: [], done: null, error: null };
const call = client.Complete({
  model,
  prompt,
  sampling: { temperature: 0, max_tokens: Number(maxTokens) },
});
call.on('data', (event) => {
  if (event.delta) {
    result.text += event.delta.text;
    result.token_ids.push(...event.delta.token_ids);
  } else if (event.done) {
    result.done = event.done;
  }
});
call.on('error', (error) => {
  result.error = { code: error.code, details: error.details };
});
call.on('close', () => {
  console.log(JSON.stringify(result));
  client.close();
});
