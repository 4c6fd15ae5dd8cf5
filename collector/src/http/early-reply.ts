// A reply sent before the request's body was read (401 or 429 from the request guard, 413 on
// Content-Length) must reach a client that sends its whole body before reading anything, as
// Node's fetch and most HTTP libraries do without `Expect: 100-continue`. Fastify marks such
// replies `Connection: close` and Node then closes the socket while the upload is still arriving;
// the kernel answers that data with a reset, which destroys the reply unread and makes the client
// retry a request that cannot succeed. Instead the connection stays open and the rest of the body
// is read and thrown away ("lingering close"), within bounds so nobody can hold it open for long.
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** For a refused caller with no valid credentials: long enough for a local upload to finish. */
const UNAUTHENTICATED_LINGER_MS = 2_000;
/** For a refused body (413, 415…): time for a client on a slow link to finish its upload. */
const REFUSED_BODY_LINGER_MS = 30_000;
/** Past this much discarded data the connection is closed regardless. */
const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

export function lingerAfterEarlyReplies(server: FastifyInstance): void {
  server.addHook('onSend', async (request, reply, payload) => {
    if (request.raw.complete === false && reply.getHeader('connection') === 'close')
      reply.removeHeader('connection');
    return payload;
  });
  server.addHook('onResponse', async (request, reply) => {
    // `complete` is only false on a real connection still receiving the body (not under inject).
    if (request.raw.complete !== false) return;
    const unauthenticated = reply.statusCode === 401 || reply.statusCode === 429;
    discardRest(request.raw, unauthenticated ? UNAUTHENTICATED_LINGER_MS : REFUSED_BODY_LINGER_MS);
  });
}

function discardRest(message: IncomingMessage, lingerMs: number): void {
  const socket = message.socket;
  let discarded = 0;
  const close = () => socket.destroy();
  const timer = setTimeout(close, lingerMs);
  const done = () => clearTimeout(timer);
  message.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) {
      done();
      close();
    }
  });
  message.once('end', done);
  socket.once('close', done);
  message.resume();
}
